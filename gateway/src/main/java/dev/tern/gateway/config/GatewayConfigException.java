package dev.tern.gateway.config;

/**
 * An API definition or gateway configuration that cannot be used. The message starts with the
 * JSON path of the problem ({@code $.apis[0].endpointGroups[0].sharedConfiguration.reconnectAttempts})
 * and says what is allowed.
 */
public final class GatewayConfigException extends Exception {
    private final String path;

    public GatewayConfigException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** The JSON path of the offending key. */
    public String path() {
        return path;
    }
}
