// The handler main_test.go drives the runtime with (scripts/test builds them as one module).
package function

import (
	"io"
	"log"
	"net/http"
	"strings"
)

// Handle echoes the method and body; "panic", "teapot" and "big" fail in their own ways;
// "request" describes the request, "log" logs a line.
func Handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch string(body) {
	case "panic":
		panic("asked to")
	case "teapot":
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	case "big":
		io.WriteString(w, strings.Repeat("x", 1000))
	case "request":
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+r.URL.Query().Get("q")+" "+r.Header.Get("X-Test")+" "+r.Host+" "+r.Header.Get("Content-Type"))
	case "log":
		log.Printf("logged %d", 42)
		io.WriteString(w, "done")
	default:
		io.WriteString(w, r.Method+" "+string(body))
	}
}
