package dev.tern.broker.protocol;

/** One handler per inbound packet type, built once per broker and shared by all connections. */
public record Handlers(ConnectHandler connect, PublishHandler publish, PublishAckHandler acks,
                      SubscribeHandler subscribe, UnsubscribeHandler unsubscribe, DisconnectHandler disconnect,
                      AuthHandler auth) {

    public static Handlers create() {
        return new Handlers(new ConnectHandler(), new PublishHandler(), new PublishAckHandler(),
            new SubscribeHandler(), new UnsubscribeHandler(), new DisconnectHandler(), new AuthHandler());
    }
}
