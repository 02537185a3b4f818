#!/usr/bin/python3
"""A throw-away SMTP server for tests (aiosmtpd, run with /usr/bin/python3).

Listens on 127.0.0.1 (port 0 picks a free one), writes the port to --port-file once it accepts
connections, and stores every message it accepts in --dir as NNNN.eml (the DATA as received)
plus NNNN.json (the envelope: mail_from, rcpt_tos, tls, auth_user), the .json written last and
renamed into place, so a reader that sees it sees the whole message. Stops on SIGTERM.

--cert/--key enable STARTTLS and require it before MAIL; --user/--password enable AUTH
LOGIN/PLAIN and require it.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl

from aiosmtpd.smtp import SMTP, AuthResult


class CommonPromptSMTP(SMTP):
    # The AUTH LOGIN prompts most servers send (Postfix, Exchange, Gmail). aiosmtpd's own
    # ("User Name") is not recognised by Poco's client, which then skips the exchange.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%04d" % self.count)
        with open(base + ".eml", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None,
            "auth_user": session.auth_data.login.decode() if session.authenticated else None,
        }
        with open(base + ".json.tmp", "w") as out:
            json.dump(meta, out)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    tls_context = None
    if args.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, data):
        ok = data.login.decode() == args.user and data.password.decode() == args.password
        return AuthResult(success=ok, handled=False, auth_data=data)

    sink = Sink(args.dir)

    def factory():
        options = {"hostname": "sink.test", "tls_context": tls_context,
                   "require_starttls": tls_context is not None}
        if args.user:
            options.update(authenticator=authenticate, auth_required=True,
                           auth_require_tls=tls_context is not None)
        return CommonPromptSMTP(sink, **options)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(16)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, sock=sock))
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(sock.getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.close()


if __name__ == "__main__":
    main()
