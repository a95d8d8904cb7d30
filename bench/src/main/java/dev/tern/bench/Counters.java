package dev.tern.bench;

/** What the event loop counts while a scenario runs. Single-threaded: plain fields. */
final class Counters {
    /** PUBLISHes written during the measured window. */
    long publishedInWindow;
    /** Bench PUBLISHes received during the measured window. */
    long deliveredInWindow;
    /** Bench PUBLISHes received over the whole run. */
    long received;
    /** PUBLISHes that do not carry a bench payload (or arrived at a client that does not subscribe). */
    long foreign;
    /** Messages from a publisher the receiving subscriber should not get. */
    long unexpected;
    /** Acknowledgements for packet ids that were not in flight. */
    long unknownAcks;
    /** Windows written off after no delivery for a while (see Publisher#checkStall). */
    long stalls;
}
