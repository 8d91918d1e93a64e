# An independent SMTP peer for the tests: aiosmtpd (Debian python3-aiosmtpd), plain SMTP on
# <host> <port>, every message written as received (CRLF bytes) to <outdir>; prints READY.
# It refuses lines over 1000 octets with "500 Line too long", as RFC 5321 4.5.3.1.6 allows.
import os, signal, sys
from aiosmtpd.controller import Controller

class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        with open(os.path.join(self.outdir, f"{self.n:05d}.eml"), "wb") as f:
            f.write(envelope.original_content)
        return "250 OK"

host, port, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
controller = Controller(Handler(outdir), hostname=host, port=port)
controller.start()
print("READY", flush=True)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
signal.sigwait([signal.SIGTERM, signal.SIGINT])
controller.stop()
