"""Echo server on Python `websockets`, configured as in the reference run wsspec is compared with.

Usage: python websockets_echo.py PORT   (prints "listening PORT" once it accepts connections)
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main(port):
    async with serve(echo, "127.0.0.1", port, max_size=None, ping_interval=None) as server:
        print("listening", port, flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
