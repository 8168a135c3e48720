# SeBS-style Python handler (the sleep benchmark's shape): handler(event) gets the request's
# parsed JSON and returns a dict, sent back as JSON.
import time


def handler(event):
    sleep = event.get("sleep", 0)
    time.sleep(sleep)
    return {"result": sleep}
