package dev.tern.broker.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The MQTT 5 properties of one packet. Built once (by the decoder, or by the broker for a packet it
 * sends) and then only read. Absent numeric properties read as -1, absent strings as null.
 * {@link #EMPTY} stands for "no properties" so a packet without any allocates nothing.
 */
public final class Properties {
    public static final Properties EMPTY = new Properties().freeze();

    private boolean frozen;
    private int payloadFormatIndicator = -1;
    private long messageExpiryInterval = -1;
    private String contentType;
    private String responseTopic;
    private byte[] correlationData;
    private int[] subscriptionIdentifiers;
    private long sessionExpiryInterval = -1;
    private String assignedClientIdentifier;
    private int serverKeepAlive = -1;
    private String authenticationMethod;
    private byte[] authenticationData;
    private int requestProblemInformation = -1;
    private long willDelayInterval = -1;
    private int requestResponseInformation = -1;
    private String responseInformation;
    private String serverReference;
    private String reasonString;
    private int receiveMaximum = -1;
    private int topicAliasMaximum = -1;
    private int topicAlias = -1;
    private int maximumQoS = -1;
    private int retainAvailable = -1;
    private List<UserProperty> userProperties = List.of();
    private long maximumPacketSize = -1;
    private int wildcardSubscriptionAvailable = -1;
    private int subscriptionIdentifierAvailable = -1;
    private int sharedSubscriptionAvailable = -1;

    public Properties freeze() {
        frozen = true;
        return this;
    }

    private Properties set() {
        if (frozen) {
            throw new IllegalStateException("properties are read-only once built");
        }
        return this;
    }

    /** A copy that can be changed, e.g. to adapt a message's properties for one subscriber. */
    public Properties copy() {
        Properties c = new Properties();
        c.payloadFormatIndicator = payloadFormatIndicator;
        c.messageExpiryInterval = messageExpiryInterval;
        c.contentType = contentType;
        c.responseTopic = responseTopic;
        c.correlationData = correlationData;
        c.subscriptionIdentifiers = subscriptionIdentifiers;
        c.sessionExpiryInterval = sessionExpiryInterval;
        c.assignedClientIdentifier = assignedClientIdentifier;
        c.serverKeepAlive = serverKeepAlive;
        c.authenticationMethod = authenticationMethod;
        c.authenticationData = authenticationData;
        c.requestProblemInformation = requestProblemInformation;
        c.willDelayInterval = willDelayInterval;
        c.requestResponseInformation = requestResponseInformation;
        c.responseInformation = responseInformation;
        c.serverReference = serverReference;
        c.reasonString = reasonString;
        c.receiveMaximum = receiveMaximum;
        c.topicAliasMaximum = topicAliasMaximum;
        c.topicAlias = topicAlias;
        c.maximumQoS = maximumQoS;
        c.retainAvailable = retainAvailable;
        c.userProperties = userProperties;
        c.maximumPacketSize = maximumPacketSize;
        c.wildcardSubscriptionAvailable = wildcardSubscriptionAvailable;
        c.subscriptionIdentifierAvailable = subscriptionIdentifierAvailable;
        c.sharedSubscriptionAvailable = sharedSubscriptionAvailable;
        return c;
    }

    public int payloadFormatIndicator() { return payloadFormatIndicator; }
    public Properties payloadFormatIndicator(int v) { set().payloadFormatIndicator = v; return this; }
    public long messageExpiryInterval() { return messageExpiryInterval; }
    public Properties messageExpiryInterval(long v) { set().messageExpiryInterval = v; return this; }
    public String contentType() { return contentType; }
    public Properties contentType(String v) { set().contentType = v; return this; }
    public String responseTopic() { return responseTopic; }
    public Properties responseTopic(String v) { set().responseTopic = v; return this; }
    public byte[] correlationData() { return correlationData; }
    public Properties correlationData(byte[] v) { set().correlationData = v; return this; }

    /** Subscription identifiers, or null when there are none. */
    public int[] subscriptionIdentifiers() { return subscriptionIdentifiers; }
    public Properties subscriptionIdentifiers(int[] v) { set().subscriptionIdentifiers = v; return this; }

    public Properties addSubscriptionIdentifier(int id) {
        set();
        int[] old = subscriptionIdentifiers;
        int[] ids = old == null ? new int[1] : java.util.Arrays.copyOf(old, old.length + 1);
        ids[ids.length - 1] = id;
        subscriptionIdentifiers = ids;
        return this;
    }

    public long sessionExpiryInterval() { return sessionExpiryInterval; }
    public Properties sessionExpiryInterval(long v) { set().sessionExpiryInterval = v; return this; }
    public String assignedClientIdentifier() { return assignedClientIdentifier; }
    public Properties assignedClientIdentifier(String v) { set().assignedClientIdentifier = v; return this; }
    public int serverKeepAlive() { return serverKeepAlive; }
    public Properties serverKeepAlive(int v) { set().serverKeepAlive = v; return this; }
    public String authenticationMethod() { return authenticationMethod; }
    public Properties authenticationMethod(String v) { set().authenticationMethod = v; return this; }
    public byte[] authenticationData() { return authenticationData; }
    public Properties authenticationData(byte[] v) { set().authenticationData = v; return this; }
    public int requestProblemInformation() { return requestProblemInformation; }
    public Properties requestProblemInformation(int v) { set().requestProblemInformation = v; return this; }
    public long willDelayInterval() { return willDelayInterval; }
    public Properties willDelayInterval(long v) { set().willDelayInterval = v; return this; }
    public int requestResponseInformation() { return requestResponseInformation; }
    public Properties requestResponseInformation(int v) { set().requestResponseInformation = v; return this; }
    public String responseInformation() { return responseInformation; }
    public Properties responseInformation(String v) { set().responseInformation = v; return this; }
    public String serverReference() { return serverReference; }
    public Properties serverReference(String v) { set().serverReference = v; return this; }
    public String reasonString() { return reasonString; }
    public Properties reasonString(String v) { set().reasonString = v; return this; }
    public int receiveMaximum() { return receiveMaximum; }
    public Properties receiveMaximum(int v) { set().receiveMaximum = v; return this; }
    public int topicAliasMaximum() { return topicAliasMaximum; }
    public Properties topicAliasMaximum(int v) { set().topicAliasMaximum = v; return this; }
    public int topicAlias() { return topicAlias; }
    public Properties topicAlias(int v) { set().topicAlias = v; return this; }
    public int maximumQoS() { return maximumQoS; }
    public Properties maximumQoS(int v) { set().maximumQoS = v; return this; }
    public int retainAvailable() { return retainAvailable; }
    public Properties retainAvailable(int v) { set().retainAvailable = v; return this; }
    public List<UserProperty> userProperties() { return userProperties; }

    public Properties userProperties(List<UserProperty> v) {
        set().userProperties = v.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(v));
        return this;
    }

    public Properties addUserProperty(String name, String value) {
        set();
        List<UserProperty> list = new ArrayList<>(userProperties);
        list.add(new UserProperty(name, value));
        userProperties = Collections.unmodifiableList(list);
        return this;
    }

    public long maximumPacketSize() { return maximumPacketSize; }
    public Properties maximumPacketSize(long v) { set().maximumPacketSize = v; return this; }
    public int wildcardSubscriptionAvailable() { return wildcardSubscriptionAvailable; }
    public Properties wildcardSubscriptionAvailable(int v) { set().wildcardSubscriptionAvailable = v; return this; }
    public int subscriptionIdentifierAvailable() { return subscriptionIdentifierAvailable; }
    public Properties subscriptionIdentifierAvailable(int v) { set().subscriptionIdentifierAvailable = v; return this; }
    public int sharedSubscriptionAvailable() { return sharedSubscriptionAvailable; }
    public Properties sharedSubscriptionAvailable(int v) { set().sharedSubscriptionAvailable = v; return this; }
}
