package dev.tern.gateway;

import dev.tern.gateway.support.BackendBroker;

import java.util.List;

/** The entrypoint contract against a real Mosquitto (Debian package), the reference's "broker that does not queue for shared groups". */
class MosquittoEntrypointsIT extends EntrypointsContract {
    @Override
    protected BackendBroker newBroker() {
        return BackendBroker.mosquitto(List.of());
    }

    @Override
    protected boolean acceptsControlCharactersInStrings() {
        return false;
    }

    @Override
    protected boolean honoursReceiveMaximum() {
        // Mosquitto 2.0.11 (Debian 12) sends a client more unacknowledged messages than its Receive Maximum
        return false;
    }
}
