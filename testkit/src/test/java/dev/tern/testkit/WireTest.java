package dev.tern.testkit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WireTest {
    @Test
    void variableByteIntegerMatchesTheSpecificationTable() {
        // section 1.5.5: boundaries of one to four bytes
        assertThat(Wire.varint(0)).containsExactly(0x00);
        assertThat(Wire.varint(127)).containsExactly(0x7F);
        assertThat(Wire.varint(128)).containsExactly(0x80, 0x01);
        assertThat(Wire.varint(16_383)).containsExactly(0xFF, 0x7F);
        assertThat(Wire.varint(16_384)).containsExactly(0x80, 0x80, 0x01);
        assertThat(Wire.varint(268_435_455)).containsExactly(0xFF, 0xFF, 0xFF, 0x7F);
    }

    @Test
    void connectForMqtt311IsByteExact() {
        byte[] c = Packets.connect(Packets.V311, "ab").keepAlive(60).build();
        assertThat(Wire.toHex(c)).isEqualTo("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 61 62");
    }
}
