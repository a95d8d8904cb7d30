package dev.tern.coap;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A device pushing ("bubble-up"): one POST from its own UDP endpoint to the bridge's CoAP server. */
final class DevicePush {
    private DevicePush() {
    }

    /** POSTs {@code payload} (text/plain) to {@code coap://127.0.0.1:port/path}, CON or NON; fails without a response. */
    static CoapResponse post(int port, String path, String payload, boolean nonConfirmable, Duration wait) throws Exception {
        CoapEndpoint endpoint = CaliforniumSetup.udpEndpoint(CaliforniumSetup.configuration(), new InetSocketAddress("127.0.0.1", 0));
        CoapClient client = new CoapClient("coap://127.0.0.1:" + port + "/" + path);
        try {
            client.setEndpoint(endpoint);
            client.setTimeout(wait.toMillis());
            if (nonConfirmable) {
                client.useNONs();
            }
            CoapResponse r = client.post(payload, MediaTypeRegistry.TEXT_PLAIN);
            assertThat(r).as("a response to POST " + path).isNotNull();
            return r;
        } finally {
            client.shutdown();
            endpoint.destroy();
        }
    }
}
