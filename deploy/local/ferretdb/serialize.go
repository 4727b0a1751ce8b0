package main

// FerretDB v1 applies an update as read, modify in Go, write back, with no lock between
// the read and the write: two concurrent `$inc` on one document lose increments, and a
// conditional update is no compare-and-set (both measured here: 399 of 900 increments kept).
// MongoDB guarantees single-document atomicity, and Voronka's outbox, inbox and timers rely
// on it. This proxy restores it for the test server by running one command at a time:
// it forwards whole wire-protocol messages to FerretDB under a global lock.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

const (
	opMsg          = 2013
	flagMoreToCome = 1 << 1
	maxMessageSize = 48 * 1024 * 1024
	// A command that takes longer, or a client that stops reading its reply, must not hold
	// the global lock (and so the whole server) forever: the connection is dropped instead.
	stallTimeout = 30 * time.Second
)

// serializer accepts client connections and relays each to its own backend connection.
type serializer struct {
	backend string // Unix socket path
	lock    sync.Mutex
	logger  *slog.Logger
}

func (s *serializer) serve(l net.Listener) error {
	for {
		client, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.relay(client)
	}
}

func (s *serializer) relay(client net.Conn) {
	defer client.Close()
	backend, err := net.Dial("unix", s.backend)
	if err != nil {
		s.logger.Error("backend unreachable", "error", err)
		return
	}
	defer backend.Close()
	for {
		request, err := readMessage(client)
		if err != nil {
			return // client went away
		}
		if err := s.roundTrip(request, backend, client); err != nil {
			s.logger.Warn("relay stopped", "error", err)
			return
		}
	}
}

// roundTrip sends one request and copies back every reply it causes, holding the lock
// so no other command runs in between.
func (s *serializer) roundTrip(request []byte, backend, client net.Conn) error {
	s.lock.Lock()
	defer s.lock.Unlock()
	deadline := time.Now().Add(stallTimeout)
	if err := errors.Join(backend.SetDeadline(deadline), client.SetWriteDeadline(deadline)); err != nil {
		return err
	}
	if _, err := backend.Write(request); err != nil {
		return err
	}
	if expectsNoReply(request) {
		return nil
	}
	for {
		reply, err := readMessage(backend)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !expectsNoReply(reply) { // an exhaust stream ends with a reply without moreToCome
			return nil
		}
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	var header [16]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	length := int(binary.LittleEndian.Uint32(header[:4]))
	if length < 16 || length > maxMessageSize {
		return nil, fmt.Errorf("bad message length %d", length)
	}
	message := make([]byte, length)
	copy(message, header[:])
	if _, err := io.ReadFull(r, message[16:]); err != nil {
		return nil, err
	}
	return message, nil
}

// expectsNoReply tells whether an OP_MSG carries the moreToCome flag.
func expectsNoReply(message []byte) bool {
	if len(message) < 20 || binary.LittleEndian.Uint32(message[12:16]) != opMsg {
		return false
	}
	return binary.LittleEndian.Uint32(message[16:20])&flagMoreToCome != 0
}
