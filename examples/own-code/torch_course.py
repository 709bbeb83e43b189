"""The course assignment's network as a PyTorch custom autograd.Function whose backward is
written by hand (with the assignment's two planted bugs), checked by gcverify:

    gcverify examples/own-code/torch.json        # W2 and b1 fail, factors 2 and 4 (exit 1)
    gcverify examples/own-code/torch-fixed.json  # every block passes

Tensors are float64, so the model is float64; float32 tensors would make it a float32 model.
"""
import numpy as np
import torch

import gcverify_worker

FIXED = gcverify_worker.options().get("fixed", False)


class CourseNet(torch.autograd.Function):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, cross-entropy cost."""

    @staticmethod
    def forward(ctx, X, Y, W1, b1, W2, b2, W3, b3):
        m = X.shape[1]
        Z1 = W1 @ X + b1
        A1 = torch.relu(Z1)
        Z2 = W2 @ A1 + b2
        A2 = torch.relu(Z2)
        Z3 = W3 @ A2 + b3
        A3 = torch.sigmoid(Z3)
        cost = (-torch.log(A3) * Y - torch.log(1 - A3) * (1 - Y)).sum() / m
        ctx.save_for_backward(X, Y, A1, A2, A3, W2, W3)
        return cost

    @staticmethod
    def backward(ctx, grad_cost):
        X, Y, A1, A2, A3, W2, W3 = ctx.saved_tensors
        m = X.shape[1]
        dZ3 = A3 - Y
        dW3 = dZ3 @ A2.T / m
        db3 = dZ3.sum(dim=1, keepdim=True) / m
        dZ2 = (W3.T @ dZ3) * (A2 > 0)
        dW2 = dZ2 @ A1.T / m * (1 if FIXED else 2)
        db2 = dZ2.sum(dim=1, keepdim=True) / m
        dZ1 = (W2.T @ dZ2) * (A1 > 0)
        dW1 = dZ1 @ X.T / m
        db1 = dZ1.sum(dim=1, keepdim=True) * ((1. if FIXED else 4.) / m)
        g = [d * grad_cost for d in (dW1, db1, dW2, db2, dW3, db3)]
        return (None, None, *g)


np.random.seed(1)
X = torch.tensor(np.random.randn(4, 3))
Y = torch.tensor([[1.0, 1.0, 0.0]], dtype=torch.float64)
shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
params = {k: torch.tensor(np.random.randn(*s), requires_grad=True) for k, s in shapes.items()}


def cost(p):
    with torch.no_grad():
        return CourseNet.apply(X, Y, *p.values())


def gradient(p):
    for t in p.values():
        t.grad = None
    CourseNet.apply(X, Y, *p.values()).backward()
    return {k: t.grad for k, t in p.items()}


gcverify_worker.serve(cost=cost, gradient=gradient, params=params,
                      description="the course's net as a torch.autograd.Function, %s" %
                      ("fixed" if FIXED else "as given"), examples=3)
