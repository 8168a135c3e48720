// WASI command: the payload arrives on stdin, stdout is the output.
// Deploy: scripts/deploy.sh hellors rust scripts/examples/hello.rs
use std::io::{self, Read, Write};

fn main() {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).unwrap();
    let mut out = io::stdout();
    writeln!(out, "Hello, {}", input).unwrap();
}
