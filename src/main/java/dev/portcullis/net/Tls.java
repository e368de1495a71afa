package dev.portcullis.net;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** TLS for both listeners from one keystore (PKCS12 or JKS): {@code wss://} and {@code https://}. */
public final class Tls {
    /** Protocols offered; older ones are broken. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private Tls() {
    }

    /** The server context from {@code keystore}; the error names the file, never the password. */
    public static SSLContext context(Path keystore, char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(keystore.toFile(), password);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot use TLS keystore " + keystore + ": " + e.getClass().getSimpleName()
                    + " (wrong password, or not a PKCS12/JKS keystore with a private key)", e);
        }
    }

    /** TLS 1.2 and 1.3 only, for both listeners. */
    public static SSLParameters parameters(SSLContext context) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS);
        return p;
    }
}
