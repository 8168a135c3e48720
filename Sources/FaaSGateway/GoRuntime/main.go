// MiniFaaS Go handler runtime: built at deploy together with the function (an OpenFaaS
// golang-http handler, `package function` with `func Handle(w http.ResponseWriter,
// r *http.Request)`), run warm inside the function's sandbox, one call per request frame.
// Command line, frame format and reply kinds: Sources/FaaSWorker/Runtime/README.md.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"handler/function"
)

// Reply kinds (RuntimeReplyKind in Swift).
const (
	kindExited        = 0
	kindOutputTooLong = 2
	kindRuntimeError  = 3
)

const nonceSize = 8

// callHeader is the request frame's JSON header (README.md, "Request header"): the fields a Go
// handler's request is made of.
type callHeader struct {
	RequestID string `json:"request_id"`
	HTTP      *struct {
		Method   string      `json:"method"`
		Path     string      `json:"path"`
		Query    string      `json:"query"`
		Headers  [][2]string `json:"headers"`
		SourceIP string      `json:"source_ip"`
	} `json:"http"`
}

// newRequest is the request Handle sees: through /fn/ the caller's method, path, query and
// headers; otherwise POST / with the payload as an octet stream.
func newRequest(header []byte, payload []byte) (*http.Request, error) {
	var parsed callHeader
	if len(header) > 0 {
		if err := json.Unmarshal(header, &parsed); err != nil {
			return nil, fmt.Errorf("bad request header: %v", err)
		}
	}
	if parsed.HTTP == nil {
		request, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		request.RequestURI = "/"
		request.Header.Set("Content-Type", "application/octet-stream")
		return request, nil
	}
	target := parsed.HTTP.Path
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	if parsed.HTTP.Query != "" {
		target += "?" + parsed.HTTP.Query
	}
	request, err := http.NewRequest(parsed.HTTP.Method, target, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	request.RequestURI = target
	for _, pair := range parsed.HTTP.Headers {
		if strings.EqualFold(pair[0], "host") {
			request.Host = pair[1]
			continue
		}
		request.Header.Add(pair[0], pair[1])
	}
	request.RemoteAddr = parsed.HTTP.SourceIP
	if parsed.RequestID != "" && request.Header.Get("X-Call-Id") == "" {
		request.Header.Set("X-Call-Id", parsed.RequestID) // OpenFaaS's name for the call's id
	}
	return request, nil
}

// logLines turns what the handler logged (the log package) into the call's log lines.
func logLines(data []byte, cap int) []byte {
	if len(data) == 0 {
		return nil
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n") {
		out.WriteString("stderr " + strings.TrimSuffix(line, "\n") + "\n")
	}
	if out.Len() > cap {
		cut := bytes.LastIndexByte(out.Bytes()[:cap-40], '\n') + 1
		return append(out.Bytes()[:cut], "stderr [log truncated]\n"...)
	}
	return out.Bytes()
}

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

// call runs Handle once: (kind, code, stdout, stderr). What it logs with the log package
// goes to serve's buffer, the call's log.
func call(header, payload []byte, cap int) (kind byte, code int32, out, errs []byte) {
	request, err := newRequest(header, payload)
	if err != nil {
		return kindRuntimeError, 1, nil, []byte(err.Error())
	}
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

// reply writes one reply frame; the output type is always text (0).
func reply(to io.Writer, kind byte, code int32, nonce, out, errs, logged []byte) error {
	header := make([]byte, 26)
	header[0] = kind
	binary.BigEndian.PutUint32(header[1:], uint32(code))
	header[5] = 0
	binary.BigEndian.PutUint32(header[6:], uint32(len(out)))
	binary.BigEndian.PutUint32(header[10:], uint32(len(errs)))
	binary.BigEndian.PutUint32(header[14:], uint32(len(logged)))
	copy(header[18:], nonce)
	frame := append(append(append(header, out...), errs...), logged...)
	_, err := to.Write(frame)
	return err
}

func serve(requests io.Reader, replies io.Writer, cap int) error {
	head := make([]byte, 8+nonceSize)
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	for {
		if _, err := io.ReadFull(requests, head); err != nil {
			if err == io.EOF {
				return nil // the worker closed the channel: done
			}
			return err
		}
		headerSize, size := binary.BigEndian.Uint32(head), binary.BigEndian.Uint32(head[4:])
		nonce := append([]byte(nil), head[8:]...)
		body := make([]byte, int(headerSize)+int(size))
		if _, err := io.ReadFull(requests, body); err != nil {
			return err
		}
		logged.Reset()
		kind, code, out, errs := call(body[:headerSize], body[headerSize:], cap)
		if err := reply(replies, kind, code, nonce, out, errs, logLines(logged.Bytes(), cap)); err != nil {
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
