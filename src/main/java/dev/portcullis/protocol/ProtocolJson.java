package dev.portcullis.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * How both ends of the wire read and write JSON: the server's parser limits (protocol.md §10) and numbers
 * kept exactly as written. The server's {@link MessageCodec} and the Java client parse with the same settings,
 * so a payload the client accepts is one the server accepts.
 */
public final class ProtocolJson {
    /** Deep enough for any real payload, shallow enough that a hostile one cannot exhaust the stack. */
    public static final int MAX_NESTING_DEPTH = 32;
    /** A longer number literal is an attack on BigDecimal parsing, not data. */
    public static final int MAX_NUMBER_LENGTH = 64;

    private ProtocolJson() {
    }

    /** A new mapper with these settings; each caller gets its own, so none can change another's. */
    public static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .build();
        return new ObjectMapper(factory)
                // Relay numbers as written: 1.10 stays 1.10 and 1e999 does not become Infinity.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                // One message is one JSON value; anything after it is a malformed message, not ignored.
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }
}
