package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

type parsedReply struct {
	kind      byte
	code      int32
	nonce     string
	out, errs string
}

func request(nonce string, payload string) []byte {
	return requestWithHeader(nonce, "{}", payload)
}

func requestWithHeader(nonce, header, payload string) []byte {
	frame := make([]byte, 8)
	binary.BigEndian.PutUint32(frame, uint32(len(header)))
	binary.BigEndian.PutUint32(frame[4:], uint32(len(payload)))
	return append(append(append(frame, nonce...), header...), payload...)
}

// logs of the replies parse saw, in order.
var logs []string

func parse(t *testing.T, data []byte) []parsedReply {
	var replies []parsedReply
	logs = nil
	for len(data) > 0 {
		if len(data) < 26 {
			t.Fatalf("short reply header: %q", data)
		}
		if data[5] != 0 {
			t.Fatalf("a Go handler's output is text: %q", data[:26])
		}
		out, errs, logged := binary.BigEndian.Uint32(data[6:]), binary.BigEndian.Uint32(data[10:]), binary.BigEndian.Uint32(data[14:])
		body := data[26:]
		replies = append(replies, parsedReply{data[0], int32(binary.BigEndian.Uint32(data[1:])), string(data[18:26]),
			string(body[:out]), string(body[out : out+errs])})
		logs = append(logs, string(body[out+errs:out+errs+logged]))
		data = body[out+errs+logged:]
	}
	return replies
}

func TestServeAnswersEachFrameWithItsNonce(t *testing.T) {
	var in bytes.Buffer
	in.Write(request("nonce001", "World"))
	in.Write(request("nonce002", ""))
	in.Write(request("nonce003", "teapot"))
	in.Write(request("nonce004", "panic"))
	in.Write(request("nonce005", "big"))
	in.Write(request("nonce006", "again"))
	var out bytes.Buffer
	if err := serve(&in, &out, 100); err != nil {
		t.Fatal(err)
	}
	replies := parse(t, out.Bytes())
	if len(replies) != 6 {
		t.Fatalf("6 replies expected, got %d: %+v", len(replies), replies)
	}
	want := []parsedReply{
		{kindExited, 0, "nonce001", "POST World", ""},
		{kindExited, 0, "nonce002", "POST ", ""},
		{kindExited, 1, "nonce003", "", "HTTP status 418: short and stout"},
	}
	for i, w := range want {
		if replies[i] != w {
			t.Errorf("reply %d: got %+v, want %+v", i, replies[i], w)
		}
	}
	if r := replies[3]; r.kind != kindExited || r.code != 1 || !strings.Contains(r.errs, "panic: asked to") {
		t.Errorf("a panic fails the call with its message: %+v", r)
	}
	if r := replies[4]; r.kind != kindOutputTooLong || r.out != "" {
		t.Errorf("output over the cap: %+v", r)
	}
	if r := replies[5]; r != (parsedReply{kindExited, 0, "nonce006", "POST again", ""}) {
		t.Errorf("the runtime serves on after a panic: %+v", r)
	}
}

func TestTheRequestIsTheCallersThroughFn(t *testing.T) {
	var in bytes.Buffer
	header := `{"request_id":"r1","http":{"method":"GET","path":"/a/b","query":"q=1","headers":[["x-test","yes"],["host","example"]],"source_ip":"127.0.0.1"}}`
	in.Write(requestWithHeader("nonce001", header, "request"))
	in.Write(requestWithHeader("nonce002", `{"request_id":"r2"}`, "request"))
	in.Write(requestWithHeader("nonce003", "{}", "log"))
	in.Write(requestWithHeader("nonce004", "{}", "plain"))
	var out bytes.Buffer
	if err := serve(&in, &out, 100); err != nil {
		t.Fatal(err)
	}
	replies := parse(t, out.Bytes())
	if len(replies) != 4 {
		t.Fatalf("4 replies expected, got %d: %+v", len(replies), replies)
	}
	if r := replies[0]; r.out != "GET /a/b 1 yes example " {
		t.Errorf("through /fn/, the caller's method, path, query and headers: %+v", r)
	}
	if r := replies[1]; r.out != "POST /    application/octet-stream" {
		t.Errorf("without an http context, POST / as before: %+v", r)
	}
	if r := replies[2]; r.out != "done" || !strings.HasPrefix(logs[2], "stderr ") || !strings.HasSuffix(logs[2], "logged 42\n") {
		t.Errorf("what the handler logs is the call's log: %+v %q", r, logs[2])
	}
	if logs[3] != "" {
		t.Errorf("each call's own log: %q", logs[3])
	}
}

func TestAMalformedHeaderFailsTheCallOnly(t *testing.T) {
	var in bytes.Buffer
	in.Write(requestWithHeader("nonce001", "{", "x"))
	in.Write(request("nonce002", "again"))
	var out bytes.Buffer
	if err := serve(&in, &out, 100); err != nil {
		t.Fatal(err)
	}
	replies := parse(t, out.Bytes())
	if len(replies) != 2 || replies[0].kind != kindRuntimeError || replies[1].out != "POST again" {
		t.Errorf("%+v", replies)
	}
}

func TestServeEndsCleanlyWhenTheWorkerCloses(t *testing.T) {
	if err := serve(bytes.NewReader(nil), io.Discard, 10); err != nil {
		t.Errorf("EOF between frames is the end: %v", err)
	}
	truncated := request("nonce001", "World")[:10]
	if err := serve(bytes.NewReader(truncated), io.Discard, 10); err == nil {
		t.Error("a frame cut short is an error")
	}
}
