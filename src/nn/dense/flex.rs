//! The dense layer on `flex`: one `gemm` per product, into buffers of our own.

use burn::backend::{Flex, TensorMetadata, flex::FlexTensor};
use burn::tensor::TensorData;

use super::{DenseOps, composed};
use crate::backend::{all_f32, flex_values};
use crate::nn::matrix::{View, multiply};
use crate::nn::sparse::{SparseRows, multiply_sparse};

impl DenseOps for Flex {
    fn dense_forward(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool) -> FlexTensor {
        if !all_f32(&[&x, &weight, &bias]) {
            return composed::forward::<Flex>(x, weight, bias, relu);
        }
        let ([batch, inputs], [_, outputs]) = (dims(&x), dims(&weight));
        let (mut s0, mut s1, mut s2) = (None, None, None);
        let (x, weight, bias) = (flex_values(&x, &mut s0), flex_values(&weight, &mut s1), flex_values(&bias, &mut s2));
        // Every row starts as the bias, and the product is added to it.
        let mut output = bias.repeat(batch);
        if let Some(sparse) = SparseRows::if_sparse(x, [batch, inputs]) {
            multiply_sparse(&mut output, &sparse, weight, outputs);
        } else {
            multiply(&mut output, View::new(x, [batch, inputs]), View::new(weight, [inputs, outputs]), true);
        }
        if relu {
            // `< 0`, not `max`: a NaN stays NaN, so that a diverging run is seen as one. A select
            // on every value, not a conditional store, so that the loop is vectorized.
            for value in &mut output {
                *value = if *value < 0.0 { 0.0 } else { *value };
            }
        }
        tensor(output, [batch, outputs])
    }

    fn dense_relu_gradient(output: FlexTensor, output_grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&output, &output_grad]) {
            return <Flex as burn::backend::ops::ActivationOps<Flex>>::relu_backward(output, output_grad);
        }
        let shape = TensorMetadata::shape(&output);
        let (mut s0, mut s1) = (None, None);
        let (output, output_grad) = (flex_values(&output, &mut s0), flex_values(&output_grad, &mut s1));
        assert_eq!(output.len(), output_grad.len(), "a ReLU's output and its gradient have one shape");
        let gradient: Vec<f32> = output.iter().zip(output_grad).map(|(&y, &g)| if y > 0.0 { g } else { 0.0 }).collect();
        FlexTensor::from_data(TensorData::new(gradient, shape))
    }

    fn dense_input_gradient(weight: FlexTensor, grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&weight, &grad]) {
            return composed::input_gradient::<Flex>(weight, grad);
        }
        let ([inputs, outputs], [batch, _]) = (dims(&weight), dims(&grad));
        let (mut s0, mut s1) = (None, None);
        let (weight, grad) = (flex_values(&weight, &mut s0), flex_values(&grad, &mut s1));
        let mut gradient = vec![0.0; batch * inputs];
        multiply(&mut gradient, View::new(grad, [batch, outputs]), View::transposed(weight, [inputs, outputs]), false);
        tensor(gradient, [batch, inputs])
    }

    fn dense_weight_gradient(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&x, &grad]) {
            return composed::weight_gradient::<Flex>(x, grad);
        }
        let ([batch, inputs], [_, outputs]) = (dims(&x), dims(&grad));
        let (mut s0, mut s1) = (None, None);
        let (x, grad) = (flex_values(&x, &mut s0), flex_values(&grad, &mut s1));
        let mut gradient = vec![0.0; inputs * outputs];
        if let Some(sparse) = SparseRows::if_sparse(x, [batch, inputs]) {
            multiply_sparse(&mut gradient, &sparse.transposed(), grad, outputs);
        } else {
            multiply(&mut gradient, View::transposed(x, [batch, inputs]), View::new(grad, [batch, outputs]), false);
        }
        tensor(gradient, [inputs, outputs])
    }

    fn dense_bias_gradient(grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&grad]) {
            return composed::bias_gradient::<Flex>(grad);
        }
        let [_, outputs] = dims(&grad);
        let mut scratch = None;
        let mut sums = vec![0.0; outputs];
        for row in flex_values(&grad, &mut scratch).chunks_exact(outputs) {
            sums.iter_mut().zip(row).for_each(|(sum, &value)| *sum += value);
        }
        FlexTensor::from_data(TensorData::new(sums, [outputs]))
    }
}

fn dims(tensor: &FlexTensor) -> [usize; 2] {
    let shape = TensorMetadata::shape(tensor);
    assert_eq!(shape.num_dims(), 2, "a dense layer's operands are matrices");
    [shape[0], shape[1]]
}

fn tensor(values: Vec<f32>, dims: [usize; 2]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, dims))
}
