"""Echo server on Hypercorn 0.18.0 (ASGI): WebSocket over HTTP/1.1 and over HTTP/2 (RFC 8441), from one port.

Usage: python hypercorn_echo.py PORT [--exit-with-stdin] [--tls-cert CERT.pem --tls-key KEY.pem]
  PORT 0 picks a free port; the script prints "listening PORT" once it accepts connections.
  In cleartext Hypercorn speaks HTTP/1.1 (ws://) and HTTP/2 by prior knowledge (h2://) on the same port; with
  --tls-cert/--tls-key, ALPN picks h2 (h2s://) or http/1.1 (wss://). Hypercorn's HTTP/2 (the h2 package) announces
  SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and runs a WebSocket on each extended CONNECT stream.
  --exit-with-stdin: exit when stdin reaches end of file, so a test that dies never leaves the server behind.
Its log goes to stderr.
"""
import asyncio
import os
import signal
import socket
import sys
import threading

from hypercorn.asyncio import serve
from hypercorn.config import Config


async def app(scope, receive, send):
    """An ASGI echo: every message back as it came (text as text, bytes as bytes)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif event["type"] == "websocket.receive":
            if event.get("bytes") is not None:
                await send({"type": "websocket.send", "bytes": event["bytes"]})
            else:
                await send({"type": "websocket.send", "text": event["text"]})
        elif event["type"] == "websocket.disconnect":
            return


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    args = sys.argv[2:]
    if "--exit-with-stdin" in args:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
    sock.listen(256)
    sock.set_inheritable(True)
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.websocket_max_message_size = 64 * 1024 * 1024
    config.h2_max_inbound_frame_size = 1 << 14
    config.accesslog = None
    config.errorlog = "-"
    config.loglevel = "WARNING"
    if "--tls-cert" in args:
        config.certfile = args[args.index("--tls-cert") + 1]
        config.keyfile = args[args.index("--tls-key") + 1]
    print("listening", sock.getsockname()[1], flush=True)
    asyncio.run(serve(app, config))
