package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import java.time.Duration;

/**
 * What the HTTP API gives one request: how long it may take to arrive, and how many are read or handled
 * at once.
 *
 * @param requestTimeout     time from a request's first byte until its headers and body have arrived
 * @param threads            handler threads: the requests being read or handled at once
 */
public record HttpConfig(Duration requestTimeout, int threads) {

    public HttpConfig {
        requirePositive("http-request-timeout", requestTimeout);
        if (threads < 1) {
            throw new IllegalArgumentException("--http-threads must be at least 1");
        }
    }
}
