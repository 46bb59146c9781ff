// Command ferretdb runs an embedded FerretDB server with the SQLite backend,
// so that tests get a MongoDB wire-protocol endpoint without mongod or Docker.
//
// The upstream cmd/ferretdb binary cannot be used here. When it is built with
// `go install` from the module proxy, build/version panics at start because
// version.txt, which FerretDB's own build generates, is missing from the module
// archive. build/version skips that file when the main module is not FerretDB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on, as `HOST:PORT`; HOST must be a loopback IP address")
	dataDir := flag.String("data", "", "`directory` for the SQLite database files; created if missing (required)")
	logLevel := flag.String("log-level", "info", "minimum log `level`: debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *dataDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, logLevel string) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; all options are flags, see -help", flag.Args())
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: expected debug, info, warn or error", logLevel)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if err := validateListenAddress(listen); err != nil {
		return err
	}

	sqliteURL, err := prepareDataDir(dataDir)
	if err != nil {
		return err
	}

	// FerretDB v1.24 has no telemetry option in ferretdb.Config: ferretdb.New
	// disables and locks telemetry itself and never starts the reporter.
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("failed to start FerretDB on %s: %w", listen, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("FerretDB started", "listen", listen, "sqlite_url", sqliteURL, "pid", os.Getpid())

	// Run closes the listener, open connections and the SQLite backend before it returns.
	if err := server.Run(ctx); err != nil {
		return fmt.Errorf("FerretDB stopped with an error: %w", err)
	}

	logger.Info("FerretDB stopped", "reason", context.Cause(ctx))

	return nil
}

// validateListenAddress rejects any address that is not a loopback IP with an
// explicit port, because this server has no authentication and is only for tests.
func validateListenAddress(listen string) error {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("invalid -listen %q: %v; expected HOST:PORT such as 127.0.0.1:27017", listen, err)
	}

	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("invalid -listen %q: host %q is not a loopback IP address; use 127.0.0.1 or [::1]", listen, host)
	}

	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return fmt.Errorf("invalid -listen %q: port %q must be a number from 1 to 65535", listen, portText)
	}

	return nil
}

// prepareDataDir creates the data directory if needed and returns the SQLite
// URI that FerretDB expects: the "file" scheme, an absolute path and a trailing slash.
func prepareDataDir(dataDir string) (string, error) {
	if dataDir == "" {
		return "", errors.New("missing -data: pass the directory for the SQLite database files")
	}

	absDir, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("invalid -data %q: %w", dataDir, err)
	}

	if err := os.MkdirAll(absDir, 0o700); err != nil {
		return "", fmt.Errorf("failed to create data directory %q: %w", absDir, err)
	}

	sqliteURL := url.URL{Scheme: "file", Path: absDir + "/", OmitHost: true}

	return sqliteURL.String(), nil
}
