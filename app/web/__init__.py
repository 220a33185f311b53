"""The SME's pages: French, server-rendered over the same services as the API, DSFR-styled, usable without JavaScript.

Everything a page shows comes from a service call; nothing here calls the service's own API.
"""
