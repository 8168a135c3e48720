// Word count as an OpenFaaS golang-http handler: the same output as wordcount.go, kept
// warm between calls. An empty body is refused with 400 (a failed invoke).
// Deploy: scripts/deploy.sh wchandler go scripts/examples/wordcount_handler.go
package function

import (
	"fmt"
	"io"
	"net/http"
	"sort"
)

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Handle counts the words of the request's body.
func Handle(w http.ResponseWriter, r *http.Request) {
	text, err := io.ReadAll(r.Body)
	if err != nil || len(text) == 0 {
		http.Error(w, "nothing to count", http.StatusBadRequest)
		return
	}
	counts := map[string]int{}
	total := 0
	for i := 0; i < len(text); {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		start := i
		for i < len(text) && !isSpace(text[i]) {
			i++
		}
		if i > start {
			counts[string(text[start:i])]++
			total++
		}
	}
	words := make([]string, 0, len(counts))
	for word := range counts {
		words = append(words, word)
	}
	sort.Strings(words)
	fmt.Fprintf(w, "%d words, %d distinct\n", total, len(counts))
	for _, word := range words {
		fmt.Fprintf(w, "%s %d\n", word, counts[word])
	}
}
