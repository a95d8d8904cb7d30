package dev.tern.gateway;

import dev.tern.gateway.support.BackendBroker;

/** The entrypoint contract against an embedded Tern broker. */
class TernEntrypointsIT extends EntrypointsContract {
    @Override
    protected BackendBroker newBroker() {
        return BackendBroker.tern();
    }

    @Override
    protected boolean acceptsControlCharactersInStrings() {
        return true;
    }

    @Override
    protected boolean honoursReceiveMaximum() {
        return true;
    }
}
