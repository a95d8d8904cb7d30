package dev.tern.gateway.mqtt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ids and the replay log of one consumer session (gap 4, gap 10). A message is numbered as it
 * is handed to a reader, so ids ({@code <session>-<sequence>}) follow the delivery order,
 * retained-snapshot copies included, and a cursor or {@code Last-Event-ID} always names a position
 * in the log. The last {@code capacity} delivered messages are kept to be sent again.
 *
 * <p>Threading: the owning session's context only.
 */
final class ReplayLog {
    /** A message handed to a reader: {@code seq} is the number in its id. */
    private record Delivered(long seq, GatewayMessage message) {
    }

    private final String incarnation = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    private final ArrayDeque<Delivered> log = new ArrayDeque<>();
    private final int capacity;
    private long seq;

    ReplayLog(int capacity) {
        this.capacity = capacity;
    }

    /** Gives {@code m} the next id and keeps it, dropping the oldest beyond the capacity. */
    GatewayMessage number(GatewayMessage m) {
        long n = ++seq;
        GatewayMessage numbered = m.withId(incarnation + "-" + n);
        if (log.size() >= capacity) {
            log.poll();
        }
        log.add(new Delivered(n, numbered));
        return numbered;
    }

    /**
     * The kept messages delivered after {@code id}, oldest first; nothing for null, for an id of another
     * session (or of a gateway before a restart) or one that is not an id at all.
     */
    List<GatewayMessage> after(String id) {
        List<GatewayMessage> out = new ArrayList<>();
        if (id == null || id.isEmpty()) {
            return out;
        }
        int dash = id.lastIndexOf('-');
        if (dash < 0 || !id.substring(0, dash).equals(incarnation)) {
            return out;
        }
        long after;
        try {
            after = Long.parseLong(id.substring(dash + 1));
        } catch (NumberFormatException e) {
            return out;
        }
        for (Delivered d : log) {
            if (d.seq() > after) {
                out.add(d.message());
            }
        }
        return out;
    }
}
