"""The gradient-checking notebook's 2-3-2-1 ReLU network on its own data (data/data.mat),
checked by gcverify:

    gcverify examples/own-code/notebook.json

The functions are the notebook's: weights stored as (n_{l-1}, n_l) and used transposed,
labels loaded from the .mat file as scipy.io.loadmat gives them (uint8, where -y wraps to
255). Passing the data through serve(data=...) has the labels converted to float64 first
(and says so in the report); kinks=... tells gcverify which ReLU inputs changed sign, so a
step that crosses a kink is never taken for a bug.
"""
import os

import numpy as np
import scipy.io

import gcverify_worker


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ReLU(z):
    return np.maximum(0, z)


def ReLU_derivative(a):
    return np.int64(a > 0)


def load_data():
    here = os.path.dirname(os.path.abspath(__file__))
    data = scipy.io.loadmat(os.path.join(here, '..', '..', 'data', 'data.mat'))
    train_X = data['X'].T  # (2, 211)
    train_Y = data['y'].T  # (1, 211), uint8
    return train_X, train_Y


def forward_propagation(X, params):
    # 3 Layers (X -> A1(relu) -> A2(relu) -> A3(sigmoid))
    W1 = params['W1']
    W2 = params['W2']
    W3 = params['W3']
    b1 = params['b1']
    b2 = params['b2']
    b3 = params['b3']
    A1 = ReLU(np.dot(W1.T, X) + b1)
    A2 = ReLU(np.dot(W2.T, A1) + b2)
    A3 = sigmoid(np.dot(W3.T, A2) + b3)
    return {'A0': X, 'A1': A1, 'A2': A2, 'A3': A3}


def cost_function(A, y):
    A3 = A['A3']
    m = y.shape[1]
    loss = -y * np.log(A3) - (1 - y) * np.log(1 - A3)
    return (1 / m) * np.sum(loss)


def backward_propagation(A, y, params):
    m = y.shape[1]
    dJ_dZ3 = A['A3'] - y
    dJ_dW3 = (1 / m) * np.dot(A['A2'], dJ_dZ3.T)
    dJ_db3 = (1 / m) * np.sum(dJ_dZ3, axis=1, keepdims=True)
    dJ_dZ2 = np.dot(params['W3'], dJ_dZ3) * ReLU_derivative(A['A2'])
    dJ_dW2 = (1 / m) * np.dot(A['A1'], dJ_dZ2.T)
    dJ_db2 = (1 / m) * np.sum(dJ_dZ2, axis=1, keepdims=True)
    dJ_dZ1 = np.dot(params['W2'], dJ_dZ2) * ReLU_derivative(A['A1'])
    dJ_dW1 = (1 / m) * np.dot(A['A0'], dJ_dZ1.T)
    dJ_db1 = (1 / m) * np.sum(dJ_dZ1, axis=1, keepdims=True)
    return {'dJ_dW3': dJ_dW3, 'dJ_db3': dJ_db3, 'dJ_dW2': dJ_dW2, 'dJ_db2': dJ_db2,
            'dJ_dW1': dJ_dW1, 'dJ_db1': dJ_db1}


def init_parameters_he(Layers):
    np.random.seed(3)  # every worker must start from the same parameters
    parameters = {}
    for i in range(1, len(Layers)):
        he = np.sqrt(2. / Layers[i - 1])
        parameters['W' + str(i)] = np.random.randn(Layers[i - 1], Layers[i]) * he
        parameters['b' + str(i)] = np.zeros(shape=(Layers[i], 1))
    return parameters


train_X, train_Y = load_data()
params = init_parameters_he([train_X.shape[0], 3, 2, 1])

gcverify_worker.serve(
    cost=lambda p, d: cost_function(forward_propagation(d['X'], p), d['Y']),
    gradient=lambda p, d: backward_propagation(forward_propagation(d['X'], p), d['Y'], p),
    params=params,
    data={'X': train_X, 'Y': train_Y},
    kinks=lambda p, d: [forward_propagation(d['X'], p)[k] for k in ('A1', 'A2')],
    description="the notebook's 2-3-2-1 ReLU net, (n_{l-1}, n_l) weights, data.mat",
    examples=train_X.shape[1])
