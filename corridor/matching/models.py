"""The embedding cache: a text's vector, kept so unchanged text is never embedded again.

Part of the Django adapter (the engine's ``VectorStore`` is a protocol; this table
is the product's store). The key is ``cache_key(model, query|passage, text)``, so a
new model or prefix gives new keys and old rows simply stop being read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmbeddingVector(models.Model):
    """One cached embedding: float32 bytes under the sha256 of (model, prefix, text)."""

    key = models.CharField(_("key"), max_length=64, primary_key=True)
    model = models.CharField(_("model"), max_length=200)
    vector = models.BinaryField(_("vector"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cached embedding")
        verbose_name_plural = _("cached embeddings")

    def __str__(self) -> str:
        return self.key
