"""Getting documents in: corpus loading, chunking, embedding, versioned index builds."""
