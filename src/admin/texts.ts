import { t2 } from './locale.js';
import type { FieldText, TypeTexts } from './types.js';

/** Label and help in English and German. */
function f(enLabel: string, enHelp: string, deLabel: string, deHelp: string): FieldText {
  return { label: t2(enLabel, deLabel), ...(enHelp || deHelp ? { help: t2(enHelp, deHelp) } : {}) };
}

const address = (key: 'from' | 'replyTo'): Record<string, FieldText> => ({
  [key]:
    key === 'from'
      ? f('Default sender', 'Used when a message names no sender. Must match the S/MIME certificate when signing.', 'Standardabsender', 'Gilt, wenn eine Nachricht keinen Absender nennt. Muss beim Signieren zum S/MIME-Zertifikat passen.')
      : f('Default Reply-To', 'Where replies go when a message does not say.', 'Standard-Antwortadresse', 'Wohin Antworten gehen, wenn eine Nachricht nichts anderes sagt.'),
  [`${key}.name`]: f('Display name', 'Shown next to the address, e.g. "Support team".', 'Anzeigename', 'Wird neben der Adresse angezeigt, z. B. «Support-Team».'),
  [`${key}.address`]: f('Address', 'The e-mail address itself.', 'Adresse', 'Die E-Mail-Adresse selbst.'),
});

const timeoutMs = f('Timeout (ms)', 'A request that takes longer fails with TIMEOUT.', 'Zeitlimit (ms)', 'Eine Anfrage, die länger dauert, schlägt mit TIMEOUT fehl.');
const notifyUrl = (en: string, de: string) => f(en, 'Optional http(s) URL the service calls back.', de, 'Optionale http(s)-URL, die der Dienst aufruft.');

/** German and English texts of the built-in provider types. */
export const BUILT_IN_TEXTS: Readonly<Record<string, TypeTexts>> = {
  smtp: {
    name: t2('E-mail (SMTP)', 'E-Mail (SMTP)'),
    description: t2('Sends e-mail through an SMTP server or relay, optionally S/MIME-signed.', 'Versendet E-Mails über einen SMTP-Server oder Relay, auf Wunsch S/MIME-signiert.'),
    fields: {
      host: f('Server', 'Host name or IP address of the SMTP server or relay.', 'Server', 'Hostname oder IP-Adresse des SMTP-Servers oder Relays.'),
      port: f('Port', 'Empty: 465 with "Use SSL", else 587.', 'Port', 'Leer: 465 mit «SSL verwenden», sonst 587.'),
      secure: f('Use SSL', 'Implicit TLS from the first byte (SMTPS, usually port 465).', 'SSL verwenden', 'TLS ab dem ersten Byte (SMTPS, meist Port 465).'),
      starttls: f('STARTTLS', 'On a plain connection: "required" fails without TLS, "opportunistic" upgrades when offered, "off" never upgrades.', 'STARTTLS', 'Bei einer unverschlüsselten Verbindung: «erforderlich» scheitert ohne TLS, «wenn angeboten» verschlüsselt wenn möglich, «aus» nie.'),
      allowPlaintextAuth: f('Allow AUTH without TLS', 'Sends the password in clear when the server offers no STARTTLS (opportunistic mode). Off refuses to authenticate then.', 'AUTH ohne TLS erlauben', 'Sendet das Passwort unverschlüsselt, wenn der Server kein STARTTLS anbietet (opportunistischer Modus). Aus verweigert dann die Anmeldung.'),
      ignoreCertificateErrors: f('Ignore certificate errors', 'Accepts self-signed, expired or mismatching server certificates. Every connection then records a warning.', 'Zertifikatsfehler ignorieren', 'Akzeptiert selbstsignierte, abgelaufene oder unpassende Serverzertifikate. Jede Verbindung protokolliert dann eine Warnung.'),
      trustDefaultCAs: f('Trust the public roots', 'Next to the CA certificates above; off trusts only those (pins a private CA).', 'Öffentlichen Stammzertifikaten vertrauen', 'Zusätzlich zu den CA-Zertifikaten oben; aus vertraut nur jenen (fixiert eine eigene CA).'),
      caCertificates: f('Trusted CA certificates (PEM)', 'Extra CA certificates for a relay with a private CA.', 'Vertrauenswürdige CA-Zertifikate (PEM)', 'Zusätzliche CA-Zertifikate für ein Relay mit eigener CA.'),
      targetName: f('Target name', 'The name the server certificate is checked against (and sent as SNI) instead of the server name. Not a Windows SPN: no NTLM or Kerberos.', 'Zielname', 'Der Name, gegen den das Serverzertifikat geprüft (und als SNI gesendet) wird, statt des Servernamens. Kein Windows-SPN: kein NTLM oder Kerberos.'),
      ehloName: f('EHLO name', 'Name sent in EHLO/HELO instead of this machine\'s host name.', 'EHLO-Name', 'Name im EHLO/HELO statt des Hostnamens dieser Maschine.'),
      username: f('User name', 'SMTP AUTH user; the password is set under "Passwords and keys".', 'Benutzername', 'SMTP-AUTH-Benutzer; das Passwort wird unter «Passwörter und Schlüssel» gesetzt.'),
      localAddress: f('Local address', 'Source IP address on machines with several network interfaces.', 'Lokale Adresse', 'Absender-IP-Adresse auf Maschinen mit mehreren Netzwerkschnittstellen.'),
      ...address('from'),
      ...address('replyTo'),
      pool: f('Connection pool', '', 'Verbindungspool', ''),
      'pool.maxConnections': f('Connections', 'Simultaneous connections to the server.', 'Verbindungen', 'Gleichzeitige Verbindungen zum Server.'),
      'pool.maxMessages': f('Messages per connection', 'A connection is renewed after this many messages.', 'Nachrichten pro Verbindung', 'Nach so vielen Nachrichten wird eine Verbindung erneuert.'),
      timeouts: f('Timeouts (ms)', '', 'Zeitlimits (ms)', ''),
      'timeouts.connectMs': f('Connect', 'Time to open the connection.', 'Verbindungsaufbau', 'Zeit für den Verbindungsaufbau.'),
      'timeouts.greetingMs': f('Greeting', 'Time until the server greets.', 'Begrüssung', 'Zeit bis zur Begrüssung durch den Server.'),
      'timeouts.socketMs': f('Idle socket', 'Inactivity after which a connection is dropped.', 'Leerlauf', 'Inaktivität, nach der eine Verbindung getrennt wird.'),
      smime: f('S/MIME signing', 'Signs every message with the certificate below; the private key or PKCS#12 bundle is set under "Passwords and keys".', 'S/MIME-Signatur', 'Signiert jede Nachricht mit dem Zertifikat unten; der private Schlüssel oder das PKCS#12-Bündel wird unter «Passwörter und Schlüssel» gesetzt.'),
      'smime.enabled': f('Sign messages', 'Off pauses signing and keeps the settings.', 'Nachrichten signieren', 'Aus pausiert das Signieren und behält die Einstellungen.'),
      'smime.certificate': f('Signer certificate (PEM)', 'Optional when a PKCS#12 bundle is set.', 'Signaturzertifikat (PEM)', 'Optional, wenn ein PKCS#12-Bündel gesetzt ist.'),
      'smime.chain': f('Chain certificates (PEM)', 'Intermediate certificates sent with every signature.', 'Kettenzertifikate (PEM)', 'Zwischenzertifikate, die mit jeder Signatur gesendet werden.'),
      'smime.trustAnchors': f('Trust anchors (PEM)', 'Root or intermediate certificates the recipients trust (e.g. a company root); public roots count anyway.', 'Vertrauensanker (PEM)', 'Stamm- oder Zwischenzertifikate, denen die Empfänger vertrauen (z. B. eine Firmen-CA); öffentliche Stammzertifikate zählen ohnehin.'),
      'smime.serialNumber': f('Serial number', 'Hexadecimal; picks the certificate when the bundle holds several.', 'Seriennummer', 'Hexadezimal; wählt das Zertifikat, wenn das Bündel mehrere enthält.'),
      oauth2: f('OAuth2 (Microsoft 365, Google)', 'Authenticates with an access token (XOAUTH2) instead of a password; the user name is the mailbox. Client secret and refresh token are set under "Passwords and keys".', 'OAuth2 (Microsoft 365, Google)', 'Meldet sich mit einem Access-Token (XOAUTH2) statt einem Passwort an; der Benutzername ist das Postfach. Client-Secret und Refresh-Token werden unter «Passwörter und Schlüssel» gesetzt.'),
      'oauth2.provider': f('Token source', 'Microsoft 365: client credentials of an app; Google: a refresh token; callback: the host application supplies the token.', 'Token-Quelle', 'Microsoft 365: Client-Anmeldedaten einer App; Google: ein Refresh-Token; Callback: die Host-Anwendung liefert das Token.'),
      'oauth2.tenantId': f('Tenant id', 'Microsoft: directory (tenant) id or domain.', 'Mandanten-ID', 'Microsoft: Verzeichnis-(Mandanten-)ID oder Domäne.'),
      'oauth2.clientId': f('Client id', 'The application (client) id.', 'Client-ID', 'Die Anwendungs-(Client-)ID.'),
      'oauth2.tokenUrl': f('Token endpoint', 'Empty: the provider\'s own (login.microsoftonline.com, oauth2.googleapis.com).', 'Token-Endpunkt', 'Leer: der des Anbieters (login.microsoftonline.com, oauth2.googleapis.com).'),
      'oauth2.scope': f('Scope', 'Empty: https://outlook.office365.com/.default for Microsoft, the refresh token\'s own for Google.', 'Bereich (Scope)', 'Leer: https://outlook.office365.com/.default für Microsoft, der des Refresh-Tokens für Google.'),
      'oauth2.clientCertificate': f('Client certificate (PEM)', 'Microsoft: a certificate credential instead of a client secret; its private key is set under "Passwords and keys".', 'Client-Zertifikat (PEM)', 'Microsoft: ein Zertifikat statt eines Client-Secrets; sein privater Schlüssel wird unter «Passwörter und Schlüssel» gesetzt.'),
      'oauth2.timeoutMs': f('Token request timeout (ms)', 'A token request that takes longer fails (UNAVAILABLE, retried later).', 'Zeitlimit Token-Abfrage (ms)', 'Eine länger dauernde Token-Abfrage schlägt fehl (UNAVAILABLE, später wiederholt).'),
      dkim: f('DKIM signing', 'Signs every message for its domain (after S/MIME); the private key is set under "Passwords and keys".', 'DKIM-Signatur', 'Signiert jede Nachricht für ihre Domäne (nach S/MIME); der private Schlüssel wird unter «Passwörter und Schlüssel» gesetzt.'),
      'dkim.enabled': f('Sign with DKIM', 'Off pauses signing and keeps the settings.', 'Mit DKIM signieren', 'Aus pausiert das Signieren und behält die Einstellungen.'),
      'dkim.domain': f('Domain', 'The signing domain (d=), usually that of the sender address.', 'Domäne', 'Die signierende Domäne (d=), meist die der Absenderadresse.'),
      'dkim.selector': f('Selector', 'The key is published at <selector>._domainkey.<domain>.', 'Selektor', 'Der Schlüssel ist unter <Selektor>._domainkey.<Domäne> veröffentlicht.'),
      'dkim.headerFields': f('Signed header fields', 'Names separated by colons; empty: the recommended list. From is always signed.', 'Signierte Kopfzeilen', 'Namen durch Doppelpunkte getrennt; leer: die empfohlene Liste. From wird immer signiert.'),
      'dkim.canonicalization': f('Canonicalization', 'Header/body; relaxed/relaxed survives relays that re-fold lines.', 'Kanonisierung', 'Kopf/Text; relaxed/relaxed übersteht Relays, die Zeilen neu umbrechen.'),
    },
    options: {
      starttls: { required: t2('required', 'erforderlich'), opportunistic: t2('opportunistic', 'wenn angeboten'), off: t2('off', 'aus') },
      'oauth2.provider': { microsoft: t2('Microsoft 365 (client credentials)', 'Microsoft 365 (Client-Anmeldedaten)'), google: t2('Google (refresh token)', 'Google (Refresh-Token)'), callback: t2('Host callback', 'Callback der Anwendung') },
    },
    secrets: {
      password: f('Password', 'The SMTP AUTH password.', 'Passwort', 'Das SMTP-AUTH-Passwort.'),
      smimeKey: { ...f('S/MIME private key (PEM)', 'The signer certificate\'s private key.', 'Privater S/MIME-Schlüssel (PEM)', 'Der private Schlüssel des Signaturzertifikats.'), multiline: true },
      smimePkcs12: { ...f('S/MIME PKCS#12 bundle (base64)', 'A .p12/.pfx file, base64-encoded.', 'S/MIME-PKCS#12-Bündel (base64)', 'Eine .p12/.pfx-Datei, base64-kodiert.'), multiline: true },
      smimePassphrase: f('S/MIME passphrase', 'Of the PKCS#12 bundle or an encrypted key.', 'S/MIME-Passphrase', 'Des PKCS#12-Bündels oder eines verschlüsselten Schlüssels.'),
      oauth2ClientSecret: f('OAuth2 client secret', 'Microsoft (without a client certificate) and Google.', 'OAuth2-Client-Secret', 'Microsoft (ohne Client-Zertifikat) und Google.'),
      oauth2RefreshToken: f('OAuth2 refresh token', 'Google: the refresh token of the mailbox.', 'OAuth2-Refresh-Token', 'Google: das Refresh-Token des Postfachs.'),
      oauth2CertificateKey: { ...f('OAuth2 certificate key (PEM)', 'Microsoft: the private key of the client certificate.', 'OAuth2-Zertifikatsschlüssel (PEM)', 'Microsoft: der private Schlüssel des Client-Zertifikats.'), multiline: true },
      dkimPrivateKey: { ...f('DKIM private key (PEM)', 'RSA, 2048 bits recommended.', 'Privater DKIM-Schlüssel (PEM)', 'RSA, 2048 Bit empfohlen.'), multiline: true },
    },
  },
  aspsms: {
    name: t2('SMS (ASPSMS)', 'SMS (ASPSMS)'),
    description: t2('Sends SMS through the ASPSMS web service; reports the prepaid balance.', 'Versendet SMS über den ASPSMS-Webdienst; meldet das Guthaben.'),
    fields: {
      userKey: f('User key', 'The account\'s API key ("UserKey").', 'Benutzerschlüssel', 'Der API-Schlüssel des Kontos («UserKey»).'),
      originator: f('Sender', 'What recipients see: at most 11 letters and digits, or an unlocked phone number.', 'Absender', 'Was Empfänger sehen: höchstens 11 Buchstaben und Ziffern oder eine freigeschaltete Telefonnummer.'),
      serviceUrl: f('Service URL', 'The SOAP endpoint of the web service.', 'Dienst-URL', 'Der SOAP-Endpunkt des Webdienstes.'),
      timeoutMs,
      maxSegments: f('Maximum parts', 'Longest accepted text in SMS parts (1-9).', 'Maximale Teile', 'Längster akzeptierter Text in SMS-Teilen (1-9).'),
      flash: f('Flash SMS', 'Shown at once, not stored on the phone.', 'Flash-SMS', 'Wird sofort angezeigt und nicht gespeichert.'),
      notificationUrl: f(
        'Notification handler URL',
        'Public http(s) URL of this application\'s ASPSMS notification handler; fills the three URLs below unless set. Changing the password invalidates the links of earlier messages.',
        'URL des Benachrichtigungs-Handlers',
        'Öffentliche http(s)-URL des ASPSMS-Benachrichtigungs-Handlers dieser Anwendung; füllt die drei URLs unten, sofern nicht gesetzt. Ein neues Passwort macht die Links früherer Nachrichten ungültig.',
      ),
      deliveryNotificationUrl: notifyUrl('Delivery notification URL', 'URL für Zustellbestätigung'),
      nonDeliveryNotificationUrl: notifyUrl('Non-delivery notification URL', 'URL für Nichtzustellung'),
      bufferedNotificationUrl: notifyUrl('Buffered notification URL', 'URL für Zwischenspeicherung'),
      transliterate: f('Transliterate to GSM', 'Replaces characters such as ç or smart quotes by close GSM 7-bit ones when that saves parts. Changes the text.', 'In GSM umschreiben', 'Ersetzt Zeichen wie ç oder typografische Anführungszeichen durch ähnliche GSM-7-Bit-Zeichen, wenn das Teile spart. Ändert den Text.'),
      timeZone: f('Time zone', 'IANA time zone of ASPSMS times, default Europe/Zurich.', 'Zeitzone', 'IANA-Zeitzone der ASPSMS-Zeiten, Standard Europe/Zurich.'),
      affiliateId: f('Affiliate id', 'Partner id sent with every message.', 'Partner-ID', 'Partnerkennung, die mit jeder Nachricht gesendet wird.'),
      defaultCountryCode: f('Default country code', 'For national numbers, e.g. 41 for Switzerland.', 'Standard-Ländervorwahl', 'Für nationale Nummern, z. B. 41 für die Schweiz.'),
    },
    secrets: {
      password: f('Password', 'The ASPSMS account password.', 'Passwort', 'Das Passwort des ASPSMS-Kontos.'),
    },
  },
  threema: {
    name: t2('Threema.Gateway', 'Threema.Gateway'),
    description: t2('End-to-end encrypted Threema messages; reports the credits.', 'Ende-zu-Ende-verschlüsselte Threema-Nachrichten; meldet die Credits.'),
    fields: {
      gatewayId: f('Gateway ID', '"*" followed by 7 letters or digits.', 'Gateway-ID', '«*» gefolgt von 7 Buchstaben oder Ziffern.'),
      gatewayUrl: f('Gateway URL', 'https:// (http:// only for localhost).', 'Gateway-URL', 'https:// (http:// nur für localhost).'),
      timeoutMs,
      publicKeyCacheTtlSeconds: f('Public key cache (s)', 'How long recipients\' public keys are kept.', 'Cache öffentlicher Schlüssel (s)', 'Wie lange öffentliche Schlüssel der Empfänger behalten werden.'),
      capabilitiesCacheTtlSeconds: f('Capabilities cache (s)', 'How long recipients\' capabilities are kept.', 'Cache der Fähigkeiten (s)', 'Wie lange die Fähigkeiten der Empfänger behalten werden.'),
      lookupRetries: f('Lookup retries', 'Retries of a failed key lookup.', 'Wiederholungen der Abfrage', 'Wiederholungen einer fehlgeschlagenen Schlüsselabfrage.'),
      retryDelayMs: f('Retry delay (ms)', '', 'Wartezeit vor Wiederholung (ms)', ''),
      maxBoxBytes: f('Largest message (bytes)', 'Encrypted message size limit of the gateway.', 'Grösste Nachricht (Bytes)', 'Grössenlimit verschlüsselter Nachrichten des Gateways.'),
      maxBlobBytes: f('Largest file (bytes)', '', 'Grösste Datei (Bytes)', ''),
      deliveryReceipts: f('Ask for delivery receipts', '', 'Zustellbestätigungen anfordern', ''),
    },
    secrets: {
      secret: f('API secret', 'The gateway ID\'s API secret.', 'API-Secret', 'Das API-Secret der Gateway-ID.'),
      privateKey: f('Private key', 'For end-to-end encryption (hex, 64 characters).', 'Privater Schlüssel', 'Für die Ende-zu-Ende-Verschlüsselung (hex, 64 Zeichen).'),
    },
  },
  totp: {
    name: t2('Authenticator app (TOTP)', 'Authenticator-App (TOTP)'),
    description: t2('Time-based one-time codes as second factor; sends nothing.', 'Zeitbasierte Einmalcodes als zweiter Faktor; versendet nichts.'),
    fields: {
      issuer: f('Issuer', 'Shown in the authenticator app.', 'Aussteller', 'Wird in der Authenticator-App angezeigt.'),
      digits: f('Digits', 'Length of a code (6-8).', 'Stellen', 'Länge eines Codes (6-8).'),
      period: f('Period (s)', 'How long a code is valid.', 'Gültigkeit (s)', 'Wie lange ein Code gültig ist.'),
      algorithm: f('Algorithm', 'Most apps support SHA1 only.', 'Algorithmus', 'Die meisten Apps unterstützen nur SHA1.'),
      drift: f('Tolerance (periods)', 'Codes accepted before and after the current one.', 'Toleranz (Perioden)', 'Akzeptierte Codes vor und nach dem aktuellen.'),
      maxFailures: f('Failed attempts before lock', '', 'Fehlversuche bis zur Sperre', ''),
      lockSeconds: f('Lock (s)', 'How long a user is locked out.', 'Sperre (s)', 'Wie lange ein Benutzer gesperrt wird.'),
      secretBytes: f('Secret length (bytes)', 'Of secrets for new enrolments.', 'Secret-Länge (Bytes)', 'Der Secrets neuer Registrierungen.'),
    },
  },
  route: {
    name: t2('Route (several providers)', 'Route (mehrere Anbieter)'),
    description: t2(
      'Sends through several providers: the next one is tried when one fails (failover) or they take turns (round-robin).',
      'Versendet über mehrere Anbieter: fällt einer aus, wird der nächste versucht (Failover), oder sie wechseln sich ab (Round-Robin).',
    ),
    fields: {
      channel: f('Channel', 'The channel the route serves; it can be the default of that channel.', 'Kanal', 'Der Kanal der Route; sie kann dessen Standard sein.'),
      providers: f('Providers', 'Provider ids in the order they are tried. No route among them.', 'Anbieter', 'Anbieter-IDs in der Reihenfolge, in der sie versucht werden. Keine Route darunter.'),
      strategy: f('Strategy', '"failover" tries them in order, "round-robin" starts at the next one each send.', 'Strategie', '«failover» versucht sie der Reihe nach, «round-robin» beginnt bei jedem Versand beim nächsten.'),
    },
  },
  memory: {
    name: t2('In-memory (tests)', 'Im Speicher (Tests)'),
    description: t2('Keeps messages in memory, for tests and demos.', 'Behält Nachrichten im Speicher, für Tests und Demos.'),
    fields: {
      channel: f('Channel', 'Any channel name, e.g. sms or email.', 'Kanal', 'Beliebiger Kanalname, z. B. sms oder email.'),
      balance: f('Balance', 'Reported balance; empty: no balance.', 'Guthaben', 'Gemeldetes Guthaben; leer: keines.'),
      unit: f('Unit', '', 'Einheit', ''),
      maxLength: f('Maximum length', '', 'Maximale Länge', ''),
      latencyMs: f('Latency (ms)', 'Delay of every operation.', 'Latenz (ms)', 'Verzögerung jeder Operation.'),
    },
    secrets: {
      password: f('Password', '', 'Passwort', ''),
    },
  },
};
