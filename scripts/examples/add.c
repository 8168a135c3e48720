// Spec-style module (no main, every function exported): the entrypoint is called with
// numeric arguments taken from the payload, and its return value is the output.
// Deploy: scripts/deploy.sh add c scripts/examples/add.c add
// Invoke: scripts/invoke.sh add_<time> '2 3'   ->  {"ok":true,"output":"5"}
int add(int a, int b) { return a + b; }
