// Go command (package main): the payload arrives on stdin, stdout is the output.
// Deploy: scripts/deploy.sh hellogo go scripts/examples/hello.go
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	payload, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("Hello, %s\n", payload)
}
