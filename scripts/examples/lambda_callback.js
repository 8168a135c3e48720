// AWS Lambda-style Node.js handler in the callback form, unchanged: the call ends when the
// handler calls callback(error, result).
exports.handler = (event, context, callback) => {
  if (event.requestContext) event = JSON.parse(event.body || "{}"); // /fn/: the JSON is in the body
  if (typeof event.text !== "string") {
    callback(new Error("expected {\"text\": \"...\"}"));
    return;
  }
  setTimeout(() => callback(null, { words: event.text.split(/\s+/).filter(Boolean).length }), 1);
};
