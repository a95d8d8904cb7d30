package dev.tern.connectors.test;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.jet.JetService;
import dev.tern.testkit.MosquittoProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Embedded Hazelcast members with Jet in the test JVM, isolated from anything else on the machine:
 * a unique cluster name, TCP-IP join on 127.0.0.1 with fixed free ports (no multicast, no port
 * scanning), no phone-home, few partitions and no join wait, so a member starts in about a second.
 */
public final class JetCluster implements AutoCloseable {
    private final List<HazelcastInstance> members = new ArrayList<>();

    private JetCluster() {
    }

    public static JetCluster start(int size) {
        String name = "tern-test-" + UUID.randomUUID();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(MosquittoProcess.freePort());
        }
        JetCluster cluster = new JetCluster();
        try {
            for (int i = 0; i < size; i++) {
                cluster.members.add(Hazelcast.newHazelcastInstance(config(name, ports, ports.get(i))));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static Config config(String clusterName, List<Integer> ports, int port) {
        Config c = new Config();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.partition.count", "11");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        c.setProperty("hazelcast.health.monitoring.level", "OFF");
        NetworkConfig network = c.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        c.getJetConfig().setEnabled(true).setCooperativeThreadCount(2);
        c.getMetricsConfig().setCollectionFrequencySeconds(1);
        return c;
    }

    public HazelcastInstance member(int i) {
        return members.get(i);
    }

    public JetService jet() {
        return members.get(0).getJet();
    }

    public int size() {
        return members.size();
    }

    @Override
    public void close() {
        for (HazelcastInstance m : members) {
            try {
                m.getLifecycleService().terminate();
            } catch (RuntimeException ignored) {
                // already down
            }
        }
        members.clear();
    }
}
