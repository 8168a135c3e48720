// Apache OpenWhisk-style action, unchanged: a top-level main(params) that the file never
// calls; params is the request's JSON object, the returned object is the answer (JSON).
function main(params) {
  const name = params.name || "stranger";
  return { payload: `Hello, ${name}!` };
}
