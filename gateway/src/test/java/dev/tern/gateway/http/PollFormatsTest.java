package dev.tern.gateway.http;

import dev.tern.gateway.GatewayException;
import dev.tern.gateway.GatewayFailure;
import dev.tern.gateway.config.DeliveryQos;
import dev.tern.gateway.config.EntrypointOptions;
import dev.tern.gateway.mqtt.GatewayMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PollFormatsTest {
    static GatewayMessage msg(String id, String content) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("topic", "demo/a");
        meta.put("qos", "1");
        return new GatewayMessage(id, content.getBytes(StandardCharsets.UTF_8), Map.of("x-h", List.of("v1", "v2")), meta);
    }

    @Test
    void jsonHasItemsWithOptionalHeadersAndMetadataThenPagination() {
        String s = PollFormats.json(new PollFormats.Page(List.of(msg("a-1", "hi")), null, "a-1", "5", true, true));
        JsonObject o = new JsonObject(s);
        JsonObject item = o.getJsonArray("items").getJsonObject(0);
        assertThat(item.getString("id")).isEqualTo("a-1");
        assertThat(item.getString("content")).isEqualTo("hi");
        assertThat(item.getJsonObject("headers").getJsonArray("x-h").getList()).containsExactly("v1", "v2");
        assertThat(item.getJsonObject("metadata").getString("topic")).isEqualTo("demo/a");
        assertThat(o.getJsonObject("pagination").getString("nextCursor")).isEqualTo("a-1");
        assertThat(o.getJsonObject("pagination").getString("limit")).isEqualTo("5");
        String bare = PollFormats.json(new PollFormats.Page(List.of(msg("a-1", "hi")), null, "a-1", null, false, false));
        assertThat(new JsonObject(bare).getJsonArray("items").getJsonObject(0).fieldNames()).containsOnly("id", "content");
    }

    @Test
    void jsonCarriesAnErrorNextToTheItems() {
        GatewayException e = new GatewayException(GatewayFailure.FAILURE_ENDPOINT_CONNECTION_CLOSED, "gone");
        JsonObject o = new JsonObject(PollFormats.json(new PollFormats.Page(List.of(), e, null, null, false, false)));
        assertThat(o.getJsonObject("error").getString("key")).isEqualTo("FAILURE_ENDPOINT_CONNECTION_CLOSED");
    }

    @Test
    void xmlWrapsContentInCdataAndEscapesWhatCannotBeInside() {
        String s = PollFormats.xml(new PollFormats.Page(List.of(msg("a-1", "x]]>y<z")), null, "a-1", "5", true, true));
        assertThat(s).startsWith("<response><items><item><id>a-1</id><content><![CDATA[x]]]]><![CDATA[>y<z]]></content>")
            .contains("<headers><x-h>v1,v2</x-h></headers>", "<metadata><topic>demo/a</topic><qos>1</qos></metadata>")
            .endsWith("<pagination><nextCursor>a-1</nextCursor><limit>5</limit></pagination></response>");
        assertThat(PollFormats.xmlName("1bad name")).isEqualTo("_bad_name");
        assertThat(PollFormats.xmlName("xml-thing")).isEqualTo("_xml-thing");
    }

    @Test
    void textHasOneBlockPerItem() {
        String s = PollFormats.text(new PollFormats.Page(List.of(msg("a-1", "hi"), msg("a-2", "yo")), null, "a-2", "5", true, false));
        assertThat(s).isEqualTo("items\n\nitem\nid: a-1\ncontent: hi\nheaders: {x-h=v1,v2}\n"
            + "\nitem\nid: a-2\ncontent: yo\nheaders: {x-h=v1,v2}\n\npagination\nnextCursor: a-2\nlimit: 5\n");
    }

    @Test
    void sseFramesEveryLineOfAPayloadAsItsOwnDataLine() {
        EntrypointOptions.Sse opts = new EntrypointOptions.Sse(DeliveryQos.AUTO, 5000, true, true, 5000);
        String e = SseEntrypoint.event(msg("a-7", "one\r\ntwo\nthree\rfour"), opts);
        assertThat(e).isEqualTo("id: a-7\nevent: message\n:topic: demo/a\n:qos: 1\n:x-h: v1,v2\n"
            + "data: one\ndata: two\ndata: three\ndata: four\n\n");
        assertThat(SseEntrypoint.event(msg("a-8", ""), new EntrypointOptions.Sse(DeliveryQos.AUTO, 5000, false, false, 5000)))
            .isEqualTo("id: a-8\nevent: message\ndata: \n\n");
    }

    @Test
    void websocketFramesAreTextOnlyForUtf8() {
        assertThat(WebSocketEntrypoint.utf8("héllo".getBytes(StandardCharsets.UTF_8))).isEqualTo("héllo");
        assertThat(WebSocketEntrypoint.utf8(new byte[]{(byte) 0xff, 0x00})).isNull();
    }
}
