package dev.portcullis.config;

import static dev.portcullis.config.Checks.requirePositive;

import java.time.Duration;
import java.util.List;

/**
 * What the HTTP API gives one request and one client: how long a request may take to arrive, how many
 * are read or handled at once, how many of those one client address may hold, and which {@code Host}
 * names the API answers to.
 *
 * @param requestTimeout     time from a request's first byte until its headers and body have arrived
 * @param threads            handler threads: the requests being read or handled at once
 * @param maxRequestsPerIp   requests of one client address past their headers and not yet handled; 0 is off
 * @param allowedHosts       {@code Host} names besides the server's own, or {@code *} for any
 * @param maxConnections     open connections to the HTTP API in all, idle ones included
 */
public record HttpConfig(Duration requestTimeout, int threads, int maxRequestsPerIp, List<String> allowedHosts,
                         int maxConnections) {

    /** A name or IP literal, IPv6 in brackets, without a port: what a Host header names. */
    private static final String HOST_NAME = "[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+]";

    public HttpConfig {
        requirePositive("http-request-timeout", requestTimeout);
        if (threads < 1) {
            throw new IllegalArgumentException("--http-threads must be at least 1");
        }
        if (maxRequestsPerIp < 0) {
            throw new IllegalArgumentException("--http-max-requests-per-ip must be at least 1, or off");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("--http-max-connections must be at least 1");
        }
        allowedHosts = List.copyOf(allowedHosts);
        for (String host : allowedHosts) {
            if (!host.equals("*") && !host.matches(HOST_NAME)) {
                throw new IllegalArgumentException("--allowed-hosts: '" + host
                        + "' is not a host name or address without a port (chat.example, 10.0.0.5, [2001:db8::1]) or '*'");
            }
        }
    }
}
