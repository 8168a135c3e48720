// Payload on stdin, output on stdout. Deploy: scripts/deploy.sh hellojs js scripts/examples/hello.js
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  process.stdout.write("Hello, " + Buffer.concat(chunks).toString() + "\n");
});
