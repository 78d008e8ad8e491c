"""The API's routers: each parses a request, calls one core function and shapes the response."""
