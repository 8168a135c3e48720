# OpenFaaS python3 template's handler, unchanged: handle(req) gets the raw body as a string.
def handle(req):
    """handle a request to the function
    Args:
        req (str): request body
    """
    return "Hello! You said: " + req
