package dev.tern.coap;

import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MalformedMessageInterceptor;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Californium's configuration, built in code. Californium's own default reads and writes a
 * {@code Californium3.properties} file in the working directory ({@code Configuration.getStandard()});
 * every Californium object the bridge (and its tests) creates is given this configuration instead,
 * so no file appears and no process-wide static is set.
 */
public final class CaliforniumSetup {
    private CaliforniumSetup() {
    }

    /** Californium's defaults, few threads, and the CoAP timers given. */
    public static Configuration configuration(Duration ackTimeout, int maxRetransmit, Duration reregistrationBackoff) {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
        c.set(CoapConfig.ACK_TIMEOUT, ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
        c.set(CoapConfig.MAX_RETRANSMIT, maxRetransmit);
        c.set(CoapConfig.NOTIFICATION_REREGISTRATION_BACKOFF, reregistrationBackoff.toMillis(), TimeUnit.MILLISECONDS);
        // a bridge's CoAP work is parsing and handing over: one or two threads per stage are plenty
        c.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, Math.min(2, Runtime.getRuntime().availableProcessors()));
        c.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        c.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        return c;
    }

    /** Californium's defaults (ACK_TIMEOUT 2 s, MAX_RETRANSMIT 4), without the properties file. */
    public static Configuration configuration() {
        return configuration(Duration.ofSeconds(2), 4, Duration.ofSeconds(2));
    }

    /** A UDP endpoint bound to {@code address} with this configuration. */
    public static CoapEndpoint udpEndpoint(Configuration config, InetSocketAddress address) {
        return new CoapEndpoint.Builder().setConfiguration(config).setInetSocketAddress(address).build();
    }

    /** Counts datagrams Californium could not parse as CoAP (they are dropped or answered with Reset by Californium). */
    static final class MalformedCounter extends MessageInterceptorAdapter implements MalformedMessageInterceptor {
        private final BridgeMetrics metrics;
        private final RateLimitedLog log;

        MalformedCounter(BridgeMetrics metrics, RateLimitedLog log) {
            this.metrics = metrics;
            this.log = log;
        }

        @Override
        public void receivedMalformedMessage(RawData message) {
            metrics.malformed();
            log.warn("malformed", () -> "coap-bridge: dropped a malformed CoAP datagram (" + message.getSize() + " bytes) from "
                + message.getInetSocketAddress());
        }
    }
}
