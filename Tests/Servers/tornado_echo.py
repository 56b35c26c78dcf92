"""Echo server on Tornado's WebSocketHandler, with permessage-deflate enabled: a second real server for the
handshake suite.

Usage: python tornado_echo.py PORT [--exit-with-stdin]
  PORT 0 picks a free port; the script prints "listening PORT" once it accepts connections.
  --exit-with-stdin: exit when stdin reaches end of file, so a test that dies never leaves the server behind.
"""
import asyncio
import os
import signal
import socket
import sys
import threading

import tornado.web
import tornado.websocket


class Echo(tornado.websocket.WebSocketHandler):
    def get_compression_options(self):
        # An empty dict enables permessage-deflate with Tornado's defaults.
        return {}

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


async def main(port):
    app = tornado.web.Application([(r"/", Echo)], websocket_max_message_size=64 * 1024 * 1024)
    sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1", family=socket.AF_INET)
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    print("listening", sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if "--exit-with-stdin" in sys.argv[2:]:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    import tornado.httpserver
    import tornado.netutil
    asyncio.run(main(int(sys.argv[1])))
