"""Echo server on Python `websockets`, configured as in the reference run wsspec is compared with.

Usage: python websockets_echo.py PORT [--exit-with-stdin] [--tls-cert CERT.pem --tls-key KEY.pem]
  PORT 0 picks a free port; the script prints "listening PORT" once it accepts connections.
  --exit-with-stdin: exit when stdin reaches end of file, so a test that dies never leaves the server behind.
  --tls-cert/--tls-key: serve wss:// with this certificate chain and key (an ssl.SSLContext, defaults otherwise).
Its log goes to stderr.
"""
import asyncio
import os
import signal
import ssl
import sys
import threading

from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main(port, ssl_context):
    async with serve(echo, "127.0.0.1", port, max_size=None, ping_interval=None, ssl=ssl_context) as server:
        bound = server.sockets[0].getsockname()[1]
        print("listening", bound, flush=True)
        await server.serve_forever()


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    # A parent that spawns us from a thread with signals blocked (libdispatch does) passes on that mask.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    args = sys.argv[2:]
    if "--exit-with-stdin" in args:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    context = None
    if "--tls-cert" in args or "--tls-key" in args:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args[args.index("--tls-cert") + 1], args[args.index("--tls-key") + 1])
    asyncio.run(main(int(sys.argv[1]), context))
