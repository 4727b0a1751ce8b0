// Command voronka-ferretdb runs embedded FerretDB v1 with its SQLite backend.
//
// It exists because `go install .../cmd/ferretdb@v1.24.2` panics at start: the version
// file it needs is generated from git and is absent from the module zip (FerretDB #2982).
// The embeddable package does not need that file. A serializing proxy in front of it
// restores single-document atomicity (see serialize.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	backendSocket := flag.String("backend-socket", "", "Unix socket of FerretDB behind the serializing proxy (default: in the temp dir)")
	sqliteURL := flag.String("sqlite-url", "", "SQLite directory URI, e.g. file:/abs/dir/ (must end with /)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn, error")
	statsEvery := flag.Duration("stats-every", 0, "log command counts and lock time per database this often (0: never)")
	flag.Parse()

	if *sqliteURL == "" {
		fmt.Fprintln(os.Stderr, "voronka-ferretdb: --sqlite-url is required")
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "voronka-ferretdb: bad --log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	backend := *backendSocket
	if backend == "" {
		backend = filepath.Join(os.TempDir(), fmt.Sprintf("voronka-ferretdb-%d.sock", os.Getpid()))
	}
	_ = os.Remove(backend) // a stale socket of a killed run
	defer os.Remove(backend)

	public, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "voronka-ferretdb: %v\n", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: backend},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "voronka-ferretdb: %v\n", err)
		os.Exit(1)
	}

	proxy := &serializer{backend: backend, logger: logger}
	if *statsEvery > 0 {
		proxy.stats = &commandStats{}
		go proxy.stats.report(*statsEvery, logger, ctx.Done())
	}
	go func() {
		<-ctx.Done()
		public.Close()
	}()
	go func() {
		if err := proxy.serve(public); err != nil {
			logger.Error("proxy stopped", "error", err)
			stop()
		}
	}()

	logger.Warn("voronka-ferretdb listening", "addr", *listen, "backend", backend)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "voronka-ferretdb: %v\n", err)
		os.Exit(1)
	}
}
