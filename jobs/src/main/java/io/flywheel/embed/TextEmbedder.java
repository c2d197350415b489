package io.flywheel.embed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sentence embeddings with all-MiniLM-L6-v2 (quantized, 384 dimensions, L2-normalized), run offline by
 * ONNX Runtime; the model is loaded once per JVM, on first use, and is safe to share between threads.
 */
public final class TextEmbedder {
  /** Length of every vector this class returns. */
  public static final int DIMENSIONS = 384;

  /** Texts per call into the model in {@link #embedAll(List)}. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  private static final AtomicInteger MODELS_CREATED = new AtomicInteger();

  private TextEmbedder() {}

  // The JVM initializes the holder class once, on first access, under its class-init lock:
  // lazy and thread-safe without locking on every call.
  private static final class ModelHolder {
    static final EmbeddingModel MODEL = createModel();
  }

  private static EmbeddingModel createModel() {
    MODELS_CREATED.incrementAndGet();
    // Run in the calling thread: on an executor, Spark's task slots already use every core, and the
    // library's default pool would add threads on top of them.
    return new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
  }

  /** The unit-length embedding of {@code text}. */
  public static float[] embed(String text) {
    Objects.requireNonNull(text, "text");
    Embedding e = ModelHolder.MODEL.embed(text).content();
    return Vectors.normalize(e.vector());
  }

  /** Unit-length embeddings of {@code texts}, in order, sent to the model {@value #DEFAULT_BATCH_SIZE} at a time. */
  public static List<float[]> embedAll(List<String> texts) {
    return embedAll(texts, DEFAULT_BATCH_SIZE);
  }

  /** Unit-length embeddings of {@code texts}, in order, sent to the model {@code batchSize} at a time. */
  public static List<float[]> embedAll(List<String> texts, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
    }
    List<float[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += batchSize) {
      List<TextSegment> batch = new ArrayList<>(batchSize);
      for (String text : texts.subList(from, Math.min(texts.size(), from + batchSize))) {
        batch.add(TextSegment.from(Objects.requireNonNull(text, "texts must not contain null")));
      }
      for (Embedding e : ModelHolder.MODEL.embedAll(batch).content()) {
        out.add(Vectors.normalize(e.vector()));
      }
    }
    return out;
  }

  /** How many times this JVM has created the model: 0 before first use, 1 after. */
  public static int modelsCreated() {
    return MODELS_CREATED.get();
  }
}
