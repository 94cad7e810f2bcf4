from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/api/v2.0/ping")
async def ping(request):
    return web.Response(text="Pong", content_type="text/plain")
