// A Node.js module whose export is the handler: module.exports = fn. The event is the parsed
// JSON of a JSON body, else the body as a string; a string result is the output as is.
module.exports = async (event) => {
  if (event && event.requestContext) event = event.body || ""; // /fn/: the HTTP request's body
  if (typeof event === "string") return event.toUpperCase();
  return { keys: Object.keys(event).sort() };
};
