# AWS Lambda-style Python handler, unchanged: lambda_handler(event, context) with Lambda's
# context names; through /fn/ the event is Lambda's function-URL event and the returned
# {"statusCode", "headers", "body"} is the HTTP response.
import json


def lambda_handler(event, context):
    if "requestContext" in event:  # an HTTP request (/fn/): the JSON is in the body
        event = json.loads(event.get("body") or "{}")
    print("doubling", event.get("n"))  # goes to the function's log, not the answer
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"n": event.get("n", 0) * 2, "function": context.function_name,
                            "request_id": context.aws_request_id}),
    }
