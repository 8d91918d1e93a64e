/**
 * The ASPSMSX2 WSDL this package ships, written from the documented interface (document/literal,
 * SOAP 1.1, every parameter and result an optional `xs:string`) and limited to the operations
 * transportkit uses. It is a TypeScript constant rather than a `.wsdl` file so it travels with the
 * compiled code and no WSDL is ever fetched from the network.
 */

/** Target and schema namespace of ASPSMSX2; it stays on webservice.aspsms.com whatever the endpoint. */
export const ASPSMS_NAMESPACE = 'https://webservice.aspsms.com/aspsmsx2.asmx';

/** The production endpoint, used when the configuration names none. */
export const ASPSMS_DEFAULT_ENDPOINT = 'https://soap.aspsms.com/aspsmsx2.asmx';

const SEND_FIELDS = [
  'UserKey',
  'Password',
  'Recipients',
  'Originator',
  'MessageText',
  'DeferredDeliveryTime',
  'FlashingSMS',
  'TimeZone',
  'URLBufferedMessageNotification',
  'URLDeliveryNotification',
  'URLNonDeliveryNotification',
  'AffiliateId',
] as const;

/** Request parameters of every operation, in WSDL order. */
export const ASPSMS_OPERATIONS = {
  SendTextSMS: SEND_FIELDS,
  SendUnicodeSMS: SEND_FIELDS,
  CheckCredits: ['UserKey', 'Password'],
  InquireDeliveryNotifications: ['UserKey', 'Password', 'TransactionReferenceNumbers'],
  CheckOriginatorAuthorization: ['UserKey', 'Password', 'Originator'],
  VersionInfo: [],
} as const satisfies Record<string, readonly string[]>;

/** An operation of the shipped WSDL. */
export type AspsmsOperation = keyof typeof ASPSMS_OPERATIONS;

/** The request of an operation: every parameter a string, all optional as in the WSDL. */
export type AspsmsRequest<O extends AspsmsOperation> = { [K in (typeof ASPSMS_OPERATIONS)[O][number]]?: string };

const stringElement = (name: string) => `<s:element minOccurs="0" maxOccurs="1" name="${name}" type="s:string" />`;

function typesFor(op: string, fields: readonly string[]): string {
  const input = fields.length === 0 ? '<s:complexType />' : `<s:complexType><s:sequence>${fields.map(stringElement).join('')}</s:sequence></s:complexType>`;
  return (
    `<s:element name="${op}">${input}</s:element>` +
    `<s:element name="${op}Response"><s:complexType><s:sequence>${stringElement(`${op}Result`)}</s:sequence></s:complexType></s:element>`
  );
}

function buildWsdl(): string {
  const ops = Object.entries(ASPSMS_OPERATIONS) as [string, readonly string[]][];
  const messages = ops
    .map(
      ([op]) =>
        `<wsdl:message name="${op}SoapIn"><wsdl:part name="parameters" element="tns:${op}" /></wsdl:message>` +
        `<wsdl:message name="${op}SoapOut"><wsdl:part name="parameters" element="tns:${op}Response" /></wsdl:message>`,
    )
    .join('');
  const portOps = ops
    .map(([op]) => `<wsdl:operation name="${op}"><wsdl:input message="tns:${op}SoapIn" /><wsdl:output message="tns:${op}SoapOut" /></wsdl:operation>`)
    .join('');
  const bindingOps = ops
    .map(
      ([op]) =>
        `<wsdl:operation name="${op}"><soap:operation soapAction="${ASPSMS_NAMESPACE}/${op}" style="document" />` +
        '<wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>',
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<wsdl:definitions xmlns:tns="${ASPSMS_NAMESPACE}" xmlns:s="http://www.w3.org/2001/XMLSchema" ` +
    'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" ' +
    `targetNamespace="${ASPSMS_NAMESPACE}">` +
    `<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="${ASPSMS_NAMESPACE}">` +
    ops.map(([op, fields]) => typesFor(op, fields)).join('') +
    '</s:schema></wsdl:types>' +
    messages +
    `<wsdl:portType name="ASPSMSX2Soap">${portOps}</wsdl:portType>` +
    `<wsdl:binding name="ASPSMSX2Soap" type="tns:ASPSMSX2Soap"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" />${bindingOps}</wsdl:binding>` +
    `<wsdl:service name="ASPSMSX2"><wsdl:port name="ASPSMSX2Soap" binding="tns:ASPSMSX2Soap"><soap:address location="${ASPSMS_DEFAULT_ENDPOINT}" /></wsdl:port></wsdl:service>` +
    '</wsdl:definitions>'
  );
}

/** The WSDL text (SOAP 1.1 port `ASPSMSX2Soap` of service `ASPSMSX2`). */
export const ASPSMS_WSDL: string = buildWsdl();

/**
 * The request with its parameters in WSDL sequence order (undefined ones left out): the SOAP
 * library writes elements in object key order, and ASP.NET services may expect the sequence.
 */
export function orderedRequest<O extends AspsmsOperation>(operation: O, values: AspsmsRequest<O>): AspsmsRequest<O> {
  const out: Record<string, string> = {};
  for (const field of ASPSMS_OPERATIONS[operation] as readonly string[]) {
    const value = (values as Record<string, string | undefined>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out as AspsmsRequest<O>;
}
