"""The JSON bodies of the API, rendered from what the services return (and the caches of that rendering).

Above the services, below the routers: the engine and the catalogue keep no API shape.
"""
