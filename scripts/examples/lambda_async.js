// AWS Lambda-style async Node.js handler, unchanged: exports.handler(event, context); through
// /fn/ the event is Lambda's function-URL event and the returned object the HTTP response.
exports.handler = async (event, context) => {
  const input = event.requestContext ? JSON.parse(event.body || "{}") : event;
  console.log("doubling", input.n); // goes to the function's log, not the answer
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n: input.n * 2, function: context.functionName }),
  };
};
