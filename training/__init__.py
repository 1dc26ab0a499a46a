"""Training a char-LSTM with tf_keras (Keras 2), the format TensorFlow.js reads."""
