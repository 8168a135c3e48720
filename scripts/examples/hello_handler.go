// Go handler in OpenFaaS's golang-http shape (package function, func Handle): built with
// MiniFaaS's runtime shim, kept warm, called per request with the payload as a POST body.
// Deploy: scripts/deploy.sh hellohandler go scripts/examples/hello_handler.go
package function

import (
	"fmt"
	"io"
	"net/http"
)

// Handle answers "Hello, <body>"; a status outside 2xx makes the invoke a failure.
func Handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "Hello, %s\n", body)
}
