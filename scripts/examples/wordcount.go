// Word count over the payload (words split at ASCII whitespace): the total, then each
// distinct word with its count, in byte order. The same output as wordcount.cpp.
// Deploy: scripts/deploy.sh wcgo go scripts/examples/wordcount.go
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
)

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func main() {
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
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
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	fmt.Fprintf(out, "%d words, %d distinct\n", total, len(counts))
	for _, word := range words {
		fmt.Fprintf(out, "%s %d\n", word, counts[word])
	}
}
