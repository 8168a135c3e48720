// MiniFaaS Go handler runtime: built at deploy together with the function (an OpenFaaS
// golang-http handler, `package function` with `func Handle(w http.ResponseWriter,
// r *http.Request)`), run warm inside the function's sandbox, one call per request frame.
// Command line, frame format and reply kinds: Sources/FaaSWorker/Runtime/README.md.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"

	"handler/function"
)

// Reply kinds (RuntimeReplyKind in Swift).
const (
	kindExited        = 0
	kindOutputTooLong = 2
	kindRuntimeError  = 3
)

const nonceSize = 8

// responseWriter collects what Handle writes, up to the output cap.
type responseWriter struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	cap      int
	tooLarge bool
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len()+len(p) > w.cap {
		w.tooLarge = true
		return 0, fmt.Errorf("output exceeds the %d-byte limit", w.cap)
	}
	return w.body.Write(p)
}

// call runs Handle once: (kind, code, stdout, stderr).
func call(payload []byte, cap int) (kind byte, code int32, out, errs []byte) {
	request, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(payload))
	if err != nil {
		return kindRuntimeError, 1, nil, []byte(err.Error())
	}
	request.RequestURI = "/"
	request.Header.Set("Content-Type", "application/octet-stream")
	writer := &responseWriter{header: http.Header{}, cap: cap}
	panicked := func() (failure []byte) {
		defer func() {
			if p := recover(); p != nil {
				failure = []byte(fmt.Sprintf("panic: %v\n\n%s", p, debug.Stack()))
			}
		}()
		function.Handle(writer, request)
		return nil
	}()
	switch {
	case writer.tooLarge:
		return kindOutputTooLong, 0, nil, nil
	case panicked != nil:
		return kindExited, 1, writer.body.Bytes(), panicked
	}
	status := writer.status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		// The body is the failure's message.
		message := fmt.Sprintf("HTTP status %d", status)
		if writer.body.Len() > 0 {
			message += ": " + writer.body.String()
		}
		return kindExited, 1, nil, []byte(message)
	}
	return kindExited, 0, writer.body.Bytes(), nil
}

func reply(to io.Writer, kind byte, code int32, nonce, out, errs []byte) error {
	header := make([]byte, 21)
	header[0] = kind
	binary.BigEndian.PutUint32(header[1:], uint32(code))
	binary.BigEndian.PutUint32(header[5:], uint32(len(out)))
	binary.BigEndian.PutUint32(header[9:], uint32(len(errs)))
	copy(header[13:], nonce)
	frame := append(append(header, out...), errs...)
	_, err := to.Write(frame)
	return err
}

func serve(requests io.Reader, replies io.Writer, cap int) error {
	head := make([]byte, 4+nonceSize)
	for {
		if _, err := io.ReadFull(requests, head); err != nil {
			if err == io.EOF {
				return nil // the worker closed the channel: done
			}
			return err
		}
		size := binary.BigEndian.Uint32(head)
		nonce := append([]byte(nil), head[4:]...)
		payload := make([]byte, size)
		if _, err := io.ReadFull(requests, payload); err != nil {
			return err
		}
		kind, code, out, errs := call(payload, cap)
		if err := reply(replies, kind, code, nonce, out, errs); err != nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) != 3 || os.Args[1] != "handler" {
		fmt.Fprintln(os.Stderr, "usage: code handler CAP")
		os.Exit(2)
	}
	cap, err := strconv.Atoi(os.Args[2])
	if err != nil || cap < 0 {
		fmt.Fprintln(os.Stderr, "CAP must be a byte count")
		os.Exit(2)
	}
	if err := serve(os.NewFile(3, "requests"), os.NewFile(4, "replies"), cap); err != nil {
		fmt.Fprintln(os.Stderr, "runtime:", err)
		os.Exit(1)
	}
}
